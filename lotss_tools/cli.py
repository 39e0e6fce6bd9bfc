"""The ``lotss-tools`` command line: thin wrappers around the library.

Each subcommand parses its arguments, calls one library function and
reports what it did; there is no science here.
"""

import argparse
import logging
import sys
from pathlib import Path

from astropy import units as u

from . import __version__
from .exceptions import LotssToolsError

__all__ = ['main', 'build_parser']

log = logging.getLogger('lotss_tools')


def _shape(text):
    parts = [int(p) for p in text.lower().replace('x', ',').split(',') if p.strip()]
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or min(parts) <= 0:
        raise argparse.ArgumentTypeError(f'shape must be N or NYxNX with positive integers, not {text!r}')
    return tuple(parts)


def _read_catalog(path):
    """Read a catalogue file, turning astropy's reader errors into one line."""
    from astropy.table import QTable
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such catalogue file.')
    try:
        return QTable.read(path)
    except Exception as exc:  # astropy raises many kinds for unreadable files
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f'{path}: cannot read a catalogue from it ({first_line}).') from exc


def _cmd_demo(args):
    from .demo import run_demo
    result = run_demo(args.output, shape=args.shape, seed=args.seed)
    print(result.report())
    return 0


def _cmd_simulate(args):
    from .simulate import simulate_mosaic
    mosaic, truth = simulate_mosaic(args.shape, seed=args.seed)
    path = mosaic.write(args.output, overwrite=args.overwrite)
    truth_path = Path(args.truth) if args.truth else path.with_name(path.stem + '-truth.ecsv')
    from .io import write_table
    write_table(truth, truth_path, overwrite=args.overwrite)
    print(f'wrote simulated mosaic {path} ({mosaic.shape[1]} x {mosaic.shape[0]} pixels)')
    print(f'wrote truth catalogue {truth_path} ({len(truth)} rows)')
    return 0


def _cmd_info(args):
    from .mosaic import Mosaic
    mosaic = Mosaic.read(args.mosaic)
    thresholds = mosaic.research_thresholds()
    ny, nx = mosaic.shape
    area = (mosaic.footprint.sum() * (mosaic.pixel_scale * u.pix) ** 2).to(u.deg ** 2)
    lines = [
        f'mosaic      {args.mosaic}',
        f'name        {mosaic.name}',
        f'shape       {nx} x {ny} pixels, valid area {area:.3f}',
        f'centre      {mosaic.center.to_string("hmsdms", precision=1)}',
        f'pixel scale {mosaic.pixel_scale:.3f}',
        f'beam        {mosaic.beam.major.to(u.arcsec):.2f} x {mosaic.beam.minor.to(u.arcsec):.2f}'
        f', PA {mosaic.beam.pa.to(u.deg):.1f} ({mosaic.beam_area:.2f} per beam)',
        f'frequency   {mosaic.frequency.to(u.MHz) if mosaic.frequency is not None else "unknown"}',
        f'global rms  {mosaic.global_rms().to(u.uJy / u.beam):.1f}',
        f'research thresholds: min_value {thresholds.min_value.to(u.uJy / u.beam):.1f}, '
        f'min_delta {thresholds.min_delta.to(u.uJy / u.beam):.1f}, min_npix {thresholds.min_npix}',
    ]
    print('\n'.join(lines))
    return 0


def _cmd_extract(args):
    from .extraction import DendroExtractor
    from .io import write_table
    from .mosaic import Mosaic
    mosaic = Mosaic.read(args.mosaic)
    extractor = (DendroExtractor.research_2023(backend=args.backend) if args.threshold == 'research-2023'
                 else DendroExtractor(args.min_value, args.min_delta, args.min_npix,
                                      threshold=args.threshold, structure=args.structure,
                                      tile_size=args.tile_size, backend=args.backend))
    catalog = extractor.extract(mosaic)
    output = args.output or Path(args.mosaic).with_suffix('.catalog.ecsv')
    write_table(catalog, output, overwrite=args.overwrite)
    print(f'extracted {len(catalog)} sources from {args.mosaic} '
          f'(threshold {extractor.threshold}, min_value {catalog.meta["min_value"]}, '
          f'min_delta {catalog.meta["min_delta"]}, min_npix {extractor.min_npix_})')
    print(f'wrote {output}')
    return 0


def _cmd_training(args):
    from .mosaic import Mosaic
    from .training import FIXED_CLIP, TrainingSetBuilder
    if args.research_2024:
        builder = TrainingSetBuilder.research_2024(keep_labels=args.keep_labels)
    else:
        builder = TrainingSetBuilder(patch_size=args.patch_size, patch_shift=args.patch_shift,
                                     origin_offset=args.origin_offset,
                                     pooling=args.pooling if args.pooling == 'beam' else int(args.pooling),
                                     clip='percentile' if args.clip == 'percentile' else FIXED_CLIP,
                                     keep_labels=args.keep_labels)
    catalog = _read_catalog(args.catalog)
    reference = _read_catalog(args.reference) if args.reference else None
    training_set = builder.build(Mosaic.read(args.mosaic), catalog, reference)
    npz_path, boxes_path = training_set.write(args.output, overwrite=args.overwrite)
    print(f'built {len(training_set)} patches with {len(training_set.boxes)} boxes '
          f'from {args.mosaic}')
    print(f'wrote {npz_path} and {boxes_path}')
    return 0


def _load_reference(args):
    """The reference catalogue of ``xmatch``: a file, or LoTSS DR2 from VizieR."""
    if args.reference != 'lotss-dr2':
        return _read_catalog(args.reference)
    from .catalogs import get_lotss_dr2
    from .mosaic import Mosaic
    if args.mosaic is None:
        raise ValueError('--reference lotss-dr2 needs --mosaic, to query the mosaic footprint.')
    return get_lotss_dr2(Mosaic.read(args.mosaic))


def _cmd_xmatch(args):
    from .crossmatch import SUMMARY_QUANTITIES, CrossMatcher, chance_match_rate
    from .mosaic import Mosaic
    catalog = _read_catalog(args.catalog)
    reference = _load_reference(args)
    result = CrossMatcher(radius=args.radius, method=args.method).match(catalog, reference)
    present = [q for q in SUMMARY_QUANTITIES if q in catalog.colnames and q in reference.colnames]
    summary = result.summary(quantities=present)
    print(f'{args.catalog} against {args.reference}: {result.n_matched} pairs within {args.radius}')
    for name in summary.colnames:
        value = summary[name][0]
        print(f'  {name:<24s} {value:.4g}' if isinstance(value, float) else f'  {name:<24s} {value}')
    if args.output:
        result.write_pairs(args.output, overwrite=args.overwrite)
        print(f'wrote {args.output}')
    if args.chance:
        if args.mosaic is None:
            raise ValueError('--chance needs --mosaic: random positions are drawn in its footprint.')
        rate = chance_match_rate(catalog, reference, Mosaic.read(args.mosaic),
                                 n_trials=args.chance, radius=args.radius, seed=0)
        print(f'  chance-match fraction    {rate.mean:.4f} +- {rate.std:.4f} ({args.chance} trials)')
    return 0


def _cmd_clean(args):
    from .cleaning import CatalogCleaner, write_cleaning_regions
    from .io import write_table
    catalog = _read_catalog(args.catalog)
    if args.preset == 'research-2023':
        cleaner = CatalogCleaner.research_2023()
    elif args.preset == 'research-2024':
        cleaner = CatalogCleaner.research_2024(min_value=args.min_value)
    else:
        cleaner = CatalogCleaner()
    kept, rejected = cleaner.clean(catalog)
    output = args.output or Path(args.catalog).with_name(Path(args.catalog).stem + '-clean.ecsv')
    rejected_path = args.rejected or output.with_name(output.stem + '-rejected.ecsv')
    write_table(kept, output, overwrite=args.overwrite)
    write_table(rejected, rejected_path, overwrite=args.overwrite)
    print(f'{args.catalog}: kept {len(kept)} of {len(catalog)} sources ({args.preset} cleaner)')
    for reason in sorted(set(rejected['reason'])):
        print(f'  rejected as {reason:<26s} {int((rejected["reason"] == reason).sum())}')
    print(f'wrote {output} and {rejected_path}')
    if args.regions:
        write_cleaning_regions(args.regions, kept, rejected, cleaner, overwrite=args.overwrite,
                               format='crtf' if args.regions.suffix == '.crtf' else 'ds9')
        print(f'wrote {args.regions}')
    return 0


def _cmd_merge(args):
    from .cleaning import merge_catalogs
    from .io import write_table
    from .mosaic import Mosaic
    catalogs = [_read_catalog(path) for path in args.catalogs]
    footprints = [Mosaic.read(path) for path in args.mosaics] if args.mosaics else None
    if footprints is not None and len(footprints) != len(catalogs):
        raise ValueError(f'give one mosaic per catalogue ({len(catalogs)} catalogues, '
                         f'{len(footprints)} mosaics).')
    merged, duplicates = merge_catalogs(catalogs, footprints, radius=args.radius)
    write_table(merged, args.output, overwrite=args.overwrite)
    print(f'merged {sum(len(c) for c in catalogs)} rows of {len(catalogs)} catalogues into '
          f'{len(merged)} sources ({len(duplicates)} overlap duplicates)')
    print(f'wrote {args.output}')
    if args.rejected:
        write_table(duplicates, args.rejected, overwrite=args.overwrite)
        print(f'wrote {args.rejected}')
    return 0


def _cmd_catalog(args):
    from astropy.coordinates import SkyCoord

    from .catalogs import get_lotss_dr2, write_catalog
    from .mosaic import Mosaic
    if args.mosaic is not None:
        target, radius = Mosaic.read(args.mosaic), None
    elif args.center is not None and args.radius is not None:
        target, radius = SkyCoord(args.center, unit=(u.deg, u.deg)), args.radius
    else:
        raise ValueError('give --mosaic, or --center and --radius.')
    table = get_lotss_dr2(target, radius, cache=not args.no_cache, refresh=args.refresh,
                          pinned=args.pinned)
    write_catalog(table, args.output, overwrite=args.overwrite)
    provenance = table.meta.get('provenance', {})
    print(f'LoTSS DR2: {len(table)} sources')
    for key in ('catalog', 'source', 'server', 'retrieved_utc', 'n_rows', 'sha256'):
        if key in provenance:
            print(f'  {key:<12s} {provenance[key]}')
    print(f'wrote {args.output}')
    return 0


def _cmd_confirm(args):
    from .catalogs import confirm, write_catalog
    rejected = _read_catalog(args.rejected)
    references = {'allwise': args.allwise, 'desi': args.desi}
    flagged = confirm(rejected, {k: v for k, v in references.items() if v is not None})
    write_catalog(flagged, args.output, overwrite=args.overwrite)
    print(f'{args.rejected}: {len(flagged)} candidates')
    for flag in (0, 1, 2):
        print(f'  flag {flag}: {int((flagged["flag"] == flag).sum())}')
    chance = flagged.meta.get('confirmation', {}).get('chance_rate')
    if chance:
        print(f'  chance rates: {chance}')
    print(f'wrote {args.output}')
    return 0


def _cmd_stats(args):
    from .io import write_table
    from .stats import catalog_summary, s_code_fractions, source_counts
    catalog = _read_catalog(args.catalog)
    area = args.area * u.deg ** 2 if args.area is not None else None
    summary = catalog_summary(catalog, area, by=args.by)
    print(f'{args.catalog}: {len(catalog)} sources')
    summary.pprint_all()
    if 's_code' in catalog.colnames:
        s_code_fractions(catalog).pprint_all()
    if args.counts_out or args.plot:
        counts = source_counts(catalog, area)
        if args.counts_out:
            write_table(counts, args.counts_out, overwrite=args.overwrite)
            print(f'wrote {args.counts_out}')
        if args.plot:
            import matplotlib
            matplotlib.use('Agg')
            from .visualization import plot_source_counts
            ax = plot_source_counts(counts)
            ax.figure.savefig(args.plot, dpi=110)
            print(f'wrote {args.plot}')
    return 0


def _cmd_survey(args):
    from .survey import run_survey
    reference = args.reference
    if reference is not None and reference != 'lotss-dr2' and not Path(reference).is_file():
        raise FileNotFoundError(f"{reference}: no such reference catalogue file (give a file "
                                f"or 'lotss-dr2').")
    if not args.verbose:  # Dask logs every worker and connection at INFO level
        logging.getLogger('distributed').setLevel(logging.WARNING)
    try:
        result = run_survey(args.mosaics, args.output, reference=reference,
                            client=args.scheduler, n_workers=args.workers,
                            resume=not args.no_resume, tile_size=args.tile_size,
                            progress=not args.no_progress)
    except (ImportError, OSError) as exc:  # no Dask installed, or no scheduler at ADDRESS
        print(f'lotss-tools survey: error: {exc}', file=sys.stderr)
        return 2
    print(result.report())
    return 1 if len(result.failed) else 0


def build_parser():
    """The argument parser of ``lotss-tools`` (for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog='lotss-tools',
        description='Source catalogues from LOFAR LoTSS mosaics: extraction, cleaning, '
                    'cross-matching and training sets.')
    parser.add_argument('--version', action='version', version=f'lotss_tools {__version__}')
    parser.add_argument('-v', '--verbose', action='store_true', help='log progress')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True

    demo = sub.add_parser('demo', help='run the pipeline on a simulated LoTSS-like mosaic',
                          description='Simulate a LoTSS-like mosaic with a known truth catalogue, '
                                      'run the pipeline on it and write the outputs (FITS, ECSV, '
                                      'PNG) into a folder. Needs no network.')
    demo.add_argument('-o', '--output', type=Path, default=Path('lotss-demo'),
                      help='folder for the outputs (default: %(default)s)')
    demo.add_argument('--shape', type=_shape, default=(2048, 2048),
                      help='image size, N or NYxNX pixels (default: 2048)')
    demo.add_argument('--seed', type=int, default=42, help='random seed (default: %(default)s)')
    demo.set_defaults(func=_cmd_demo)

    simulate = sub.add_parser('simulate', help='write a simulated mosaic and its truth catalogue')
    simulate.add_argument('output', type=Path, help='FITS file to write')
    simulate.add_argument('--truth', type=Path, help='ECSV truth catalogue (default: beside the FITS)')
    simulate.add_argument('--shape', type=_shape, default=(2048, 2048), help='N or NYxNX pixels')
    simulate.add_argument('--seed', type=int, default=None, help='random seed')
    simulate.add_argument('--overwrite', action='store_true', help='replace existing files')
    simulate.set_defaults(func=_cmd_simulate)

    extract = sub.add_parser('extract', help='extract a source catalogue from a mosaic',
                             description='Run DendroExtractor on a FITS mosaic and write the '
                                         'catalogue (ECSV by default, or FITS/VOTable by extension).')
    extract.add_argument('mosaic', type=Path, help='FITS mosaic')
    extract.add_argument('-o', '--output', type=Path,
                         help='catalogue file (default: MOSAIC.catalog.ecsv)')
    extract.add_argument('--threshold', choices=['local', 'research', 'percentile', 'research-2023'],
                         default='local', help='threshold rule (default: local S/N); research-2023 '
                                               'is the whole research configuration')
    extract.add_argument('--structure', choices=['leaves', 'trunks'], default='leaves')
    extract.add_argument('--min-value', type=float, help='in local rms (local) or Jy/beam')
    extract.add_argument('--min-delta', type=float, help='in local rms (local) or Jy/beam')
    extract.add_argument('--min-npix', type=int, help='default: twice the beam FWHM in pixels')
    extract.add_argument('--tile-size', type=int, help='process in tiles of this size')
    extract.add_argument('--backend', choices=['fast', 'astrodendro'], default='fast')
    extract.add_argument('--overwrite', action='store_true', help='replace an existing catalogue')
    extract.set_defaults(func=_cmd_extract)

    training = sub.add_parser('training', help='build a training set (patches and boxes)',
                              description='Cut a mosaic into normalised patches and turn a '
                                          'catalogue into target boxes (TrainingSetBuilder).')
    training.add_argument('mosaic', type=Path, help='FITS mosaic')
    training.add_argument('--catalog', type=Path, required=True, help='source catalogue (ECSV, FITS)')
    training.add_argument('--reference', type=Path,
                          help='reference catalogue for confidence labels (e.g. LoTSS DR2)')
    training.add_argument('-o', '--output', type=Path, required=True,
                          help='output path (writes PATH.npz and PATH.boxes.ecsv)')
    training.add_argument('--patch-size', type=int, default=256)
    training.add_argument('--patch-shift', type=int, default=240)
    training.add_argument('--origin-offset', type=int, default=64)
    training.add_argument('--pooling', default='2', help="pooling factor, or 'beam'")
    training.add_argument('--clip', choices=['fixed', 'percentile'], default='fixed')
    training.add_argument('--keep-labels', nargs='+', choices=['both', 'catalog_only', 'reference_only'],
                          help='keep only boxes with these confidence labels')
    training.add_argument('--research-2024', action='store_true', help='the 2024 research settings')
    training.add_argument('--overwrite', action='store_true')
    training.set_defaults(func=_cmd_training)

    clean = sub.add_parser('clean', help='remove artifacts and duplicates, keeping what was rejected',
                           description='CatalogCleaner: write the kept sources and the rejected '
                                       'ones (with reason and the source that caused it).')
    clean.add_argument('catalog', type=Path, help='catalogue file')
    clean.add_argument('-o', '--output', type=Path, help='kept sources (default: CATALOG-clean.ecsv)')
    clean.add_argument('--rejected', type=Path, help='rejected sources (default: beside --output)')
    clean.add_argument('--preset', choices=['default', 'research-2023', 'research-2024'],
                       default='default')
    clean.add_argument('--min-value', type=u.Quantity, help='research-2024: the extraction min_value')
    clean.add_argument('--regions', type=Path, help='also write a DS9 (.reg) or CRTF (.crtf) file')
    clean.add_argument('--overwrite', action='store_true')
    clean.set_defaults(func=_cmd_clean)

    merge = sub.add_parser('merge', help='merge catalogues of overlapping tiles or mosaics',
                           description='Keep one copy of each source seen by several overlapping '
                                       'catalogues (farthest from its image edge if the mosaics '
                                       'are given, else lowest local rms).')
    merge.add_argument('catalogs', type=Path, nargs='+', help='catalogue files')
    merge.add_argument('--mosaics', type=Path, nargs='+', help='their mosaics, in the same order')
    merge.add_argument('--radius', type=u.Quantity, default=6 * u.arcsec)
    merge.add_argument('-o', '--output', type=Path, required=True)
    merge.add_argument('--rejected', type=Path, help='write the overlap duplicates here')
    merge.add_argument('--overwrite', action='store_true')
    merge.set_defaults(func=_cmd_merge)

    catalog = sub.add_parser('catalog', help='fetch LoTSS DR2 from VizieR (cached, with provenance)')
    catalog.add_argument('--mosaic', type=Path, help='query the footprint of this mosaic')
    catalog.add_argument('--center', help='query centre, "RA DEC" in degrees')
    catalog.add_argument('--radius', type=u.Quantity, help='query radius, e.g. 10arcmin')
    catalog.add_argument('--pinned', type=Path, help='use this catalogue file instead of VizieR')
    catalog.add_argument('--refresh', action='store_true', help='query again even if cached')
    catalog.add_argument('--no-cache', action='store_true', help='neither read nor write the cache')
    catalog.add_argument('-o', '--output', type=Path, required=True)
    catalog.add_argument('--overwrite', action='store_true')
    catalog.set_defaults(func=_cmd_catalog)

    confirm = sub.add_parser('confirm', help='flag rejected candidates confirmed by AllWISE/DESI')
    confirm.add_argument('rejected', type=Path, help='rejected candidates (from clean)')
    confirm.add_argument('--allwise', help="AllWISE catalogue file, or 'xmatch' (CDS XMatch)")
    confirm.add_argument('--desi', help="DESI Legacy catalogue file, or 'xmatch'")
    confirm.add_argument('-o', '--output', type=Path, required=True)
    confirm.add_argument('--overwrite', action='store_true')
    confirm.set_defaults(func=_cmd_confirm)

    survey = sub.add_parser('survey', help='process every mosaic of a survey on Dask, resumably',
                            description='Extract, clean and optionally cross-match every FITS '
                                        'mosaic of a folder as Dask tasks, record each mosaic in '
                                        'OUTPUT/manifest.json as it finishes, and merge the '
                                        'catalogues across mosaic overlaps. Run the same command '
                                        'again to resume an interrupted survey. Exit status 1 '
                                        'if some mosaics failed (see the manifest).')
    survey.add_argument('mosaics', type=Path, help='folder of FITS mosaics')
    survey.add_argument('-o', '--output', type=Path, required=True, help='output folder')
    where = survey.add_mutually_exclusive_group()
    where.add_argument('--scheduler', metavar='ADDRESS',
                       help="address of a running Dask scheduler (tcp://host:8786), or "
                            "'synchronous' to run the mosaics one by one in this process")
    where.add_argument('--workers', type=int, metavar='N',
                       help="workers of a new Dask cluster on this machine (default: Dask's "
                            "choice for its cores)")
    survey.add_argument('--reference', metavar='lotss-dr2|FILE',
                        help="score each mosaic against LoTSS DR2 from VizieR ('lotss-dr2', "
                             "cached) or a catalogue file")
    survey.add_argument('--tile-size', type=int, metavar='PIXELS',
                        help='extract mosaics larger than this in tiles, as separate tasks')
    survey.add_argument('--no-resume', action='store_true',
                        help='process every mosaic again, even those already done')
    survey.add_argument('--no-progress', action='store_true', help='no progress bar')
    survey.set_defaults(func=_cmd_survey)

    stats = sub.add_parser('stats', help='catalogue statistics: counts, sizes, unresolved fraction')
    stats.add_argument('catalog', type=Path, help='catalogue file')
    stats.add_argument('--area', type=float, help='area covered, deg^2 (default: from provenance)')
    stats.add_argument('--by', help='also summarise per value of this column (e.g. s_code)')
    stats.add_argument('--counts-out', type=Path, help='write the source counts table here')
    stats.add_argument('--plot', type=Path, help='draw the Euclidean-normalised counts (PNG)')
    stats.add_argument('--overwrite', action='store_true')
    stats.set_defaults(func=_cmd_stats)

    xmatch = sub.add_parser('xmatch', help='cross-match a catalogue with a reference',
                            description='One-to-one match of a catalogue with a reference '
                                        '(a file, or LoTSS DR2 from VizieR); prints recall, '
                                        'precision, F1 and relative flux/size differences.')
    xmatch.add_argument('catalog', type=Path, help='catalogue file (ECSV, FITS, VOTable)')
    xmatch.add_argument('--reference', required=True,
                        help="reference catalogue file, or 'lotss-dr2' (needs --mosaic)")
    xmatch.add_argument('--mosaic', type=Path, help='the mosaic the catalogue comes from')
    xmatch.add_argument('--radius', type=u.Quantity, default=12 * u.arcsec,
                        help='match radius, e.g. 12arcsec (default: %(default)s)')
    xmatch.add_argument('--method', choices=['optimal', 'nearest'], default='optimal')
    xmatch.add_argument('-o', '--output', type=Path, help='write the matched pairs here')
    xmatch.add_argument('--chance', type=int, metavar='N_TRIALS',
                        help='also measure the chance-match fraction (needs --mosaic)')
    xmatch.add_argument('--overwrite', action='store_true')
    xmatch.set_defaults(func=_cmd_xmatch)

    info = sub.add_parser('info', help='describe a mosaic: beam, pixel scale, noise, thresholds')
    info.add_argument('mosaic', type=Path, help='FITS mosaic')
    info.set_defaults(func=_cmd_info)
    return parser


def main(argv=None):
    """Run ``lotss-tools``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format='%(levelname)s %(name)s: %(message)s')
    try:
        return args.func(args)
    except (LotssToolsError, FileNotFoundError, FileExistsError, ValueError) as exc:
        print(f'lotss-tools {args.command}: error: {exc}', file=sys.stderr)
        return 2
