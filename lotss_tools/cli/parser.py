"""The argument parser of ``lotss-tools``.

It imports nothing heavy: astropy and the package's modules are imported by
each subcommand when it runs, so ``lotss-tools --version`` and ``--help``
answer at once.
"""

import argparse
from pathlib import Path

from .. import __version__
from . import commands

__all__ = ['build_parser']


def _shape(text):
    parts = [int(p) for p in text.lower().replace('x', ',').split(',') if p.strip()]
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or min(parts) <= 0:
        raise argparse.ArgumentTypeError(f'shape must be N or NYxNX with positive integers, not {text!r}')
    return tuple(parts)


def _quantity(text):
    """A Quantity from the command line (``6arcsec``, ``0.1mJy``)."""
    from astropy import units as u
    try:
        return u.Quantity(text)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f'not a quantity with a unit: {text!r} ({exc})')


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
    demo.set_defaults(func=commands.cmd_demo)

    simulate = sub.add_parser('simulate', help='write a simulated mosaic and its truth catalogue')
    simulate.add_argument('output', type=Path, help='FITS file to write')
    simulate.add_argument('--truth', type=Path, help='ECSV truth catalogue (default: beside the FITS)')
    simulate.add_argument('--shape', type=_shape, default=(2048, 2048), help='N or NYxNX pixels')
    simulate.add_argument('--seed', type=int, default=None, help='random seed')
    simulate.add_argument('--overwrite', action='store_true', help='replace existing files')
    simulate.set_defaults(func=commands.cmd_simulate)

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
    extract.add_argument('--false-detections', action='store_true',
                         help='also extract and clean the negated image and print the '
                              'false-detection fraction per SNR and per distance from bright '
                              'sources (lotss_tools.validation.false_detections)')
    extract.set_defaults(func=commands.cmd_extract)

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
    training.set_defaults(func=commands.cmd_training)

    clean = sub.add_parser('clean', help='remove artifacts and duplicates, keeping what was rejected',
                           description='CatalogCleaner: write the kept sources and the rejected '
                                       'ones (with reason and the source that caused it).')
    clean.add_argument('catalog', type=Path, help='catalogue file')
    clean.add_argument('-o', '--output', type=Path, help='kept sources (default: CATALOG-clean.ecsv)')
    clean.add_argument('--rejected', type=Path, help='rejected sources (default: beside --output)')
    clean.add_argument('--preset', choices=['default', 'research-2023', 'research-2024'],
                       default='default')
    clean.add_argument('--min-value', type=_quantity,
                       help='research-2024: the extraction min_value')
    clean.add_argument('--regions', type=Path, help='also write a DS9 (.reg) or CRTF (.crtf) file')
    clean.add_argument('--overwrite', action='store_true')
    clean.set_defaults(func=commands.cmd_clean)

    merge = sub.add_parser('merge', help='merge catalogues of overlapping tiles or mosaics',
                           description='Keep one copy of each source seen by several overlapping '
                                       'catalogues (farthest from its image edge if the mosaics '
                                       'are given, else lowest local rms).')
    merge.add_argument('catalogs', type=Path, nargs='+', help='catalogue files')
    merge.add_argument('--mosaics', type=Path, nargs='+', help='their mosaics, in the same order')
    merge.add_argument('--radius', type=_quantity,
                       help='largest separation of two copies of a source (default: '
                            'lotss_tools.radii.MERGE_RADIUS, one LoTSS beam, 6arcsec)')
    merge.add_argument('-o', '--output', type=Path, required=True)
    merge.add_argument('--rejected', type=Path, help='write the overlap duplicates here')
    merge.add_argument('--overwrite', action='store_true')
    merge.set_defaults(func=commands.cmd_merge)

    catalog = sub.add_parser('catalog', help='fetch LoTSS DR2 from VizieR (cached, with provenance)')
    catalog.add_argument('--mosaic', type=Path, help='query the footprint of this mosaic')
    catalog.add_argument('--center', help='query centre, "RA DEC" in degrees')
    catalog.add_argument('--radius', type=_quantity, help='query radius, e.g. 10arcmin')
    catalog.add_argument('--pinned', type=Path, help='use this catalogue file instead of VizieR')
    catalog.add_argument('--refresh', action='store_true', help='query again even if cached')
    catalog.add_argument('--no-cache', action='store_true', help='neither read nor write the cache')
    catalog.add_argument('-o', '--output', type=Path, required=True)
    catalog.add_argument('--overwrite', action='store_true')
    catalog.set_defaults(func=commands.cmd_catalog)

    confirm = sub.add_parser('confirm', help='flag rejected candidates confirmed by AllWISE/DESI')
    confirm.add_argument('rejected', type=Path, help='rejected candidates (from clean)')
    confirm.add_argument('--allwise', help="AllWISE catalogue file, or 'xmatch' (CDS XMatch)")
    confirm.add_argument('--desi', help="DESI Legacy catalogue file, or 'xmatch'")
    confirm.add_argument('-o', '--output', type=Path, required=True)
    confirm.add_argument('--overwrite', action='store_true')
    confirm.set_defaults(func=commands.cmd_confirm)

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
    survey.set_defaults(func=commands.cmd_survey)

    stats = sub.add_parser('stats', help='catalogue statistics: counts, sizes, unresolved fraction')
    stats.add_argument('catalog', type=Path, help='catalogue file')
    stats.add_argument('--area', type=float, help='area covered, deg^2 (default: from provenance)')
    stats.add_argument('--by', help='also summarise per value of this column (e.g. s_code)')
    stats.add_argument('--counts-out', type=Path, help='write the source counts table here')
    stats.add_argument('--plot', type=Path, help='draw the Euclidean-normalised counts (PNG)')
    stats.add_argument('--overwrite', action='store_true')
    stats.set_defaults(func=commands.cmd_stats)

    xmatch = sub.add_parser('xmatch', help='cross-match a catalogue with a reference',
                            description='One-to-one match of a catalogue with a reference '
                                        '(a file, or LoTSS DR2 from VizieR); prints recall, '
                                        'precision, F1 and relative flux/size differences.')
    xmatch.add_argument('catalog', type=Path, help='catalogue file (ECSV, FITS, VOTable)')
    xmatch.add_argument('--reference', required=True,
                        help="reference catalogue file, or 'lotss-dr2' (needs --mosaic)")
    xmatch.add_argument('--mosaic', type=Path,
                        help='the mosaic the catalogue comes from: recall then counts only the '
                             'reference sources on its valid pixels (without it, every '
                             'reference row)')
    xmatch.add_argument('--radius', type=_quantity,
                        help='match radius, e.g. 12arcsec (default: lotss_tools.radii.'
                             'MATCH_RADIUS, one LoTSS beam, 6arcsec)')
    xmatch.add_argument('--min-flux', type=_quantity,
                        help='recall counts only reference sources at least this bright, '
                             'e.g. 1mJy')
    xmatch.add_argument('--min-snr', type=float,
                        help='recall counts only reference sources with at least this SNR')
    xmatch.add_argument('--method', choices=['optimal', 'nearest'], default='optimal')
    xmatch.add_argument('-o', '--output', type=Path, help='write the matched pairs here')
    xmatch.add_argument('--chance', type=int, metavar='N_TRIALS',
                        help='also measure the chance-match fraction (needs --mosaic)')
    xmatch.add_argument('--overwrite', action='store_true')
    xmatch.set_defaults(func=commands.cmd_xmatch)

    info = sub.add_parser('info', help='describe a mosaic: beam, pixel scale, noise, thresholds')
    info.add_argument('mosaic', type=Path, help='FITS mosaic')
    info.set_defaults(func=commands.cmd_info)
    return parser
