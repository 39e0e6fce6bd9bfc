"""The subcommands of ``lotss-tools``: each parses nothing, calls the library, reports.

Every catalogue file is read by `read_catalog`, which turns survey column
names (``RA``, ``Total_flux``, ``Isl_rms``...) into the package's
(`lotss_tools.schema.normalise_columns`). Library modules are imported
inside each subcommand, so the command line starts quickly.
"""

import logging
import sys
import warnings
from pathlib import Path

__all__ = ['read_catalog', 'load_reference', 'cmd_demo', 'cmd_simulate', 'cmd_info',
           'cmd_extract', 'cmd_training', 'cmd_xmatch', 'cmd_clean', 'cmd_merge', 'cmd_catalog',
           'cmd_confirm', 'cmd_stats', 'cmd_survey']


def read_catalog(path):
    """Read a catalogue file (any format `lotss_tools.io.write_table` writes) with the
    package's column names, errors in one line.

    Survey and PyBDSF column names are renamed and unit-less known columns
    get their schema unit (`lotss_tools.schema.normalise_columns`).
    """
    from ..io import read_table
    from ..schema import normalise_columns
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such catalogue file.')
    try:
        table = read_table(path)
    except ValueError:        # read_table names the file already
        raise
    except Exception as exc:  # astropy raises many kinds for unreadable files
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f'{path}: cannot read a catalogue from it ({first_line}).') from exc
    return normalise_columns(table)


def cmd_demo(args):
    from ..demo import run_demo
    result = run_demo(args.output, shape=args.shape, seed=args.seed)
    print(result.report())
    return 0


def cmd_simulate(args):
    from ..simulate import simulate_mosaic
    mosaic, truth = simulate_mosaic(args.shape, seed=args.seed)
    path = mosaic.write(args.output, overwrite=args.overwrite)
    truth_path = Path(args.truth) if args.truth else path.with_name(path.stem + '-truth.ecsv')
    from ..io import write_table
    write_table(truth, truth_path, overwrite=args.overwrite)
    print(f'wrote simulated mosaic {path} ({mosaic.shape[1]} x {mosaic.shape[0]} pixels)')
    print(f'wrote truth catalogue {truth_path} ({len(truth)} rows)')
    return 0


def cmd_info(args):
    from astropy import units as u

    from ..mosaic import Mosaic
    mosaic = Mosaic.read(args.mosaic)
    from ..exceptions import ThresholdBelowNoiseWarning
    with warnings.catch_warnings():     # said in the report below instead
        warnings.simplefilter('ignore', ThresholdBelowNoiseWarning)
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
    if not thresholds.reliable:
        lines.append(f'  warning: min_value is {thresholds.min_value_sigmas:.2f} x the rms, below '
                     'the noise: the research rule is unreliable on this image (use the '
                     'default local S/N thresholds)')
    print('\n'.join(lines))
    return 0


def cmd_extract(args):
    from ..extraction import DendroExtractor
    from ..io import write_table
    from ..mosaic import Mosaic
    mosaic = Mosaic.read(args.mosaic)
    extractor = (DendroExtractor.research_2023(backend=args.backend) if args.threshold == 'research-2023'
                 else DendroExtractor(args.min_value, args.min_delta, args.min_npix,
                                      threshold=args.threshold, structure=args.structure,
                                      tile_size=args.tile_size, backend=args.backend))
    if getattr(args, 'false_detections', False):
        from ..pipeline import Pipeline
        result = Pipeline(extractor, false_detections=True).run(mosaic)
        catalog, report = result.catalog, result.false_detections
        print(f'false detections of {args.mosaic} (the same extraction and default cleaning '
              f'on the negated image): {report!r}')
        for table in (report.by_snr, report.by_distance):
            table.pprint_all()
    else:
        catalog = extractor.extract(mosaic)
    output = args.output or Path(args.mosaic).with_suffix('.catalog.ecsv')
    write_table(catalog, output, overwrite=args.overwrite)
    print(f'extracted {len(catalog)} sources from {args.mosaic} '
          f'(threshold {extractor.threshold}, min_value {catalog.meta["min_value"]}, '
          f'min_delta {catalog.meta["min_delta"]}, min_npix {catalog.meta["min_npix"]})')
    print(f'wrote {output}')
    return 0


def cmd_training(args):
    from ..mosaic import Mosaic
    from ..training import FIXED_CLIP, TrainingSetBuilder
    if args.research_2024:
        builder = TrainingSetBuilder.research_2024(keep_labels=args.keep_labels)
    else:
        builder = TrainingSetBuilder(patch_size=args.patch_size, patch_shift=args.patch_shift,
                                     origin_offset=args.origin_offset,
                                     pooling=args.pooling if args.pooling == 'beam' else int(args.pooling),
                                     clip='percentile' if args.clip == 'percentile' else FIXED_CLIP,
                                     keep_labels=args.keep_labels)
    catalog = read_catalog(args.catalog)
    reference = read_catalog(args.reference) if args.reference else None
    training_set = builder.build(Mosaic.read(args.mosaic), catalog, reference)
    npz_path, boxes_path = training_set.write(args.output, overwrite=args.overwrite)
    print(f'built {len(training_set)} patches with {len(training_set.boxes)} boxes '
          f'from {args.mosaic}')
    print(f'wrote {npz_path} and {boxes_path}')
    return 0


def load_reference(args):
    """The reference catalogue of ``xmatch``: a file, or LoTSS DR2 from VizieR."""
    if args.reference != 'lotss-dr2':
        return read_catalog(args.reference)
    from ..catalogs import get_lotss_dr2
    from ..mosaic import Mosaic
    if args.mosaic is None:
        raise ValueError('--reference lotss-dr2 needs --mosaic, to query the mosaic footprint.')
    return get_lotss_dr2(Mosaic.read(args.mosaic))


def cmd_xmatch(args):
    from ..crossmatch import SUMMARY_QUANTITIES, CrossMatcher, chance_match_rate
    from ..mosaic import Mosaic
    from ..radii import MATCH_RADIUS
    catalog = read_catalog(args.catalog)
    reference = load_reference(args)
    radius = MATCH_RADIUS if args.radius is None else args.radius
    mosaic = Mosaic.read(args.mosaic) if args.mosaic is not None else None
    result = CrossMatcher(radius=radius, method=args.method).match(
        catalog, reference, footprint=mosaic, min_flux=args.min_flux, min_snr=args.min_snr)
    present = [q for q in SUMMARY_QUANTITIES if q in catalog.colnames and q in reference.colnames]
    summary = result.summary(quantities=present)
    print(f'{args.catalog} against {args.reference}: {result.n_matched} pairs within {radius}')
    print(f'  recall counts {result.recall_counts}'
          + ('' if mosaic is not None else ' (give --mosaic to count only those in its footprint)'))
    for name in summary.colnames:
        value = summary[name][0]
        print(f'  {name:<24s} {value:.4g}' if isinstance(value, float) else f'  {name:<24s} {value}')
    if args.output:
        result.write_pairs(args.output, overwrite=args.overwrite)
        print(f'wrote {args.output}')
    if args.chance:
        if args.mosaic is None:
            raise ValueError('--chance needs --mosaic: random positions are drawn in its footprint.')
        rate = chance_match_rate(catalog, reference, mosaic, n_trials=args.chance,
                                 radius=radius, seed=0)
        print(f'  chance-match fraction    {rate.mean:.4f} +- {rate.std:.4f} ({args.chance} trials)')
    return 0


def cmd_clean(args):
    from ..cleaning import CatalogCleaner, write_cleaning_regions
    from ..io import write_table
    catalog = read_catalog(args.catalog)
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


def cmd_merge(args):
    from ..cleaning import merge_catalogs
    from ..io import write_table
    from ..mosaic import Mosaic
    from ..radii import MERGE_RADIUS
    catalogs = [read_catalog(path) for path in args.catalogs]
    footprints = [Mosaic.read(path) for path in args.mosaics] if args.mosaics else None
    if footprints is not None and len(footprints) != len(catalogs):
        raise ValueError(f'give one mosaic per catalogue ({len(catalogs)} catalogues, '
                         f'{len(footprints)} mosaics).')
    radius = MERGE_RADIUS if args.radius is None else args.radius
    merged, duplicates = merge_catalogs(catalogs, footprints, radius=radius)
    write_table(merged, args.output, overwrite=args.overwrite)
    print(f'merged {sum(len(c) for c in catalogs)} rows of {len(catalogs)} catalogues into '
          f'{len(merged)} sources ({len(duplicates)} overlap duplicates)')
    print(f'wrote {args.output}')
    if args.rejected:
        write_table(duplicates, args.rejected, overwrite=args.overwrite)
        print(f'wrote {args.rejected}')
    return 0


def cmd_catalog(args):
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    from ..catalogs import get_lotss_dr2, write_catalog
    from ..mosaic import Mosaic
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
    print(f'{provenance.get("title", "LoTSS DR2")}: {len(table)} sources')
    for key in ('catalog', 'source', 'server', 'retrieved_utc', 'n_rows', 'sha256'):
        if key in provenance:
            print(f'  {key:<12s} {provenance[key]}')
    print(f'wrote {args.output}')
    return 0


def cmd_confirm(args):
    from ..catalogs import confirm, write_catalog
    rejected = read_catalog(args.rejected)
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


def cmd_stats(args):
    from astropy import units as u

    from ..io import write_table
    from ..stats import catalog_summary, s_code_fractions, source_counts
    catalog = read_catalog(args.catalog)
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
            from ..visualization import plot_source_counts
            ax = plot_source_counts(counts)
            ax.figure.savefig(args.plot, dpi=110)
            print(f'wrote {args.plot}')
    return 0


def cmd_survey(args):
    from ..survey import run_survey
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
