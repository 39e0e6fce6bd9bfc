"""The argument parser of ``lotss-tools``.

It imports nothing heavy: astropy and the package's modules are imported by
each subcommand when it runs (and by the option types below, only when an
option is given), so ``lotss-tools --version`` and ``--help`` answer at once.

Every option value is checked here, before any work starts, and a bad one
is refused by argparse in one line naming the option (exit status 2). Every
angle option (``--radius``, ``--beam``) follows one rule: an angle with its
unit (``6arcsec``, ``"6 arcsec"``, ``0.1deg``), or a bare positive number
read as arcsec (`lotss_tools.radii.as_radius`).
"""

import argparse
import math
from pathlib import Path

from .. import __version__
from . import commands

__all__ = ['build_parser', 'ANGLE_RULE']

#: The one rule of every angle option, as the help and the errors say it.
ANGLE_RULE = "an angle with its unit (6arcsec, '6 arcsec', 0.1deg) or a bare number read as arcsec"


def _shape(text):
    try:
        parts = [int(p) for p in text.lower().replace('x', ',').split(',') if p.strip()]
    except ValueError:
        parts = []
    if len(parts) == 1:
        parts *= 2
    if len(parts) != 2 or min(parts) <= 0:
        raise argparse.ArgumentTypeError(f'shape must be N or NYxNX with positive integers, not '
                                         f'{text!r}')
    return tuple(parts)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be a positive whole number, not {text!r}')
    return value


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f'must be a whole number >= 0, not {text!r}')
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f'must be a positive number, not {text!r}')
    return value


def _finite_float(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f'must be a finite number, not {text!r}')
    return value


def _angle(text):
    """A positive angle: with its unit, or a bare number read as arcsec (`ANGLE_RULE`)."""
    from ..radii import as_radius
    try:
        return as_radius(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f'must be a positive angle, {ANGLE_RULE}; not '
                                         f'{text!r}') from None


def _quantity_option(kind, example, *units):
    """An option type: a positive Quantity convertible to one of ``units``, unit required."""
    def parse(text):
        from astropy import units as u
        try:
            value = u.Quantity(text)
        except (TypeError, ValueError):
            value = None
        if (value is None or not value.isscalar or not math.isfinite(value.value)
                or value.value <= 0
                or not any(value.unit.is_equivalent(u.Unit(unit)) for unit in units)):
            raise argparse.ArgumentTypeError(f'must be a positive {kind} with its unit, e.g. '
                                             f'{example}; not {text!r}')
        return value
    parse.__name__ = kind.replace(' ', '_')
    return parse


_flux_density = _quantity_option('flux density', '1mJy', 'Jy')
_brightness_or_flux = _quantity_option('brightness', "0.1mJy/beam or '25 uJy/beam'",
                                       'Jy / beam', 'Jy')


def _brightness_unit(text):
    """A unit of brightness per beam (``Jy/beam``, ``mJy/beam``)."""
    from astropy import units as u
    try:
        unit = u.Unit(text)
    except (TypeError, ValueError):
        unit = None
    if unit is None or not unit.is_equivalent(u.Jy / u.beam):
        raise argparse.ArgumentTypeError(f"must be a brightness unit such as 'Jy/beam' or "
                                         f"'mJy/beam', not {text!r}")
    return unit


def _center(text):
    """``"RA DEC"``: degrees, or sexagesimal; Dec within +-90 deg."""
    from astropy import units as u
    from astropy.coordinates import SkyCoord
    parts = text.replace(',', ' ').split()
    try:
        if len(parts) == 2 and all(_is_number(p) for p in parts):
            ra, dec = (float(p) for p in parts)
            if not (math.isfinite(ra) and math.isfinite(dec)):
                raise ValueError
            if abs(dec) > 90:
                raise argparse.ArgumentTypeError(f'Dec must be between -90 and +90 deg, not '
                                                 f'{dec:g} (in {text!r})')
            return SkyCoord(ra * u.deg, dec * u.deg)
        return SkyCoord(text, unit=(u.hourangle, u.deg))
    except argparse.ArgumentTypeError:
        raise
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(
            f"must be 'RA DEC' in degrees ('218.5 55.0', Dec between -90 and +90) or "
            f"sexagesimal ('14h34m18s +54d58m23s'); not {text!r}") from None


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _pooling(text):
    if text == 'beam':
        return text
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole pooling factor (1, 2, 4...) "
                                         f"or 'beam'; not {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (naming the option) and exit status 2."""

    def error(self, message):
        self.exit(2, f'{self.prog}: error: {message} (see {self.prog} --help)\n')


def _subparser(sub, name, help, description=None, epilog=None):
    return sub.add_parser(name, help=help, description=description or help[0].upper() + help[1:]
                          + '.', epilog=epilog)


def _add_overwrite(parser, what='existing output files'):
    parser.add_argument('--overwrite', action='store_true',
                        help=f'replace {what} (never an input file)')


def _add_header_overrides(parser, mosaic='the mosaic'):
    parser.add_argument('--beam', type=_angle, metavar='FWHM',
                        help=f'restoring beam FWHM of {mosaic}, supplying or replacing the '
                             'header BMAJ/BMIN (circular; e.g. 6arcsec; a bare number is arcsec)')
    parser.add_argument('--unit', type=_brightness_unit, metavar='UNIT',
                        help=f"brightness unit of {mosaic}, supplying or replacing the header "
                             "BUNIT (e.g. 'Jy/beam')")


def _add_jobs(parser, where):
    parser.add_argument('-j', '--jobs', type=_positive_int, default=1, metavar='N',
                        help=f'threads working on the tiles of {where} at the same time (with '
                             '--tile-size; default: %(default)s)')


def build_parser():
    """The argument parser of ``lotss-tools`` (for documentation and tests)."""
    parser = _Parser(
        prog='lotss-tools',
        description='Source catalogues from LOFAR LoTSS mosaics: extraction, cleaning, '
                    'cross-matching and training sets.',
        epilog='Exit status: 0 done; 1 done in part (survey: some mosaics failed); 2 error '
               '(one line on stderr naming the file, option or column; --debug shows the '
               'traceback); 130 interrupted. No output file is ever left half-written, and no '
               "input is ever overwritten. 'lotss-tools COMMAND --help' describes a command.")
    parser.add_argument('--version', action='version', version=f'lotss_tools {__version__}',
                        help='print the version and exit')
    parser.add_argument('-v', '--verbose', action='store_true',
                        help='report progress (tiles, mosaics, steps) on stderr')
    parser.add_argument('--debug', action='store_true',
                        help='on an error, show the full Python traceback (for bug reports); '
                             'also log the messages of Dask and other libraries')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND', title='commands')
    sub.required = True

    demo = _subparser(sub, 'demo', 'run the pipeline on a simulated LoTSS-like mosaic',
                      'Simulate a LoTSS-like mosaic with a known truth catalogue, run the '
                      'pipeline on it and write the outputs (FITS, ECSV, region file, PNG) into '
                      'a folder, replacing those of an earlier demo. Needs no network.')
    demo.add_argument('-o', '--output', type=Path, default=Path('lotss-demo'),
                      help='folder for the outputs (default: %(default)s)')
    demo.add_argument('--shape', type=_shape, default=(2048, 2048),
                      help='image size, N or NYxNX pixels (default: 2048)')
    demo.add_argument('--seed', type=int, default=42, help='random seed (default: %(default)s)')
    demo.set_defaults(func=commands.cmd_demo)

    simulate = _subparser(sub, 'simulate', 'write a simulated mosaic and its truth catalogue',
                          'Write a simulated LoTSS-like mosaic (FITS) and its truth catalogue, '
                          'both or neither.')
    simulate.add_argument('output', type=Path, help='FITS file to write')
    simulate.add_argument('--truth', type=Path,
                          help='truth catalogue (ECSV, FITS or VOTable by extension; default: '
                               'OUTPUT-truth.ecsv beside the FITS file)')
    simulate.add_argument('--shape', type=_shape, default=(2048, 2048),
                          help='image size, N or NYxNX pixels (default: 2048)')
    simulate.add_argument('--seed', type=int, default=None,
                          help='random seed (default: a new sky each time)')
    _add_overwrite(simulate)
    simulate.set_defaults(func=commands.cmd_simulate)

    extract = _subparser(sub, 'extract', 'extract a source catalogue from a mosaic',
                         'Run DendroExtractor on a FITS mosaic and write the catalogue (ECSV by '
                         'default, or FITS/VOTable by extension). The output is checked before '
                         'the extraction starts.')
    extract.add_argument('mosaic', type=Path, help='FITS mosaic')
    extract.add_argument('-o', '--output', type=Path,
                         help='catalogue file (default: MOSAIC.catalog.ecsv)')
    extract.add_argument('--threshold',
                         choices=['local', 'research', 'percentile', 'research-2023'],
                         default='local', help='threshold rule (default: local S/N); research-2023 '
                                               'is the whole research configuration')
    extract.add_argument('--structure', choices=['leaves', 'trunks'], default='leaves',
                         help='dendrogram structures that become sources (default: %(default)s)')
    extract.add_argument('--min-value', type=_finite_float, metavar='V',
                         help='lowest level of the dendrogram: in local rms (local) or Jy/beam '
                              '(default: from the threshold rule)')
    extract.add_argument('--min-delta', type=_finite_float, metavar='D',
                         help='height a structure needs above its merge level: in local rms '
                              '(local) or Jy/beam (default: from the threshold rule)')
    extract.add_argument('--min-npix', type=_positive_int, metavar='N',
                         help='smallest structure, pixels (default: twice the beam FWHM in pixels)')
    extract.add_argument('--tile-size', type=_positive_int, metavar='PIXELS',
                         help='process the mosaic in tiles of this size (one noise model; each '
                              'source once)')
    extract.add_argument('--bright-box', type=_positive_float, metavar='BEAMS',
                         help='smaller background boxes of this many beams near sources above 150 '
                              'sigma, as PyBDSF\'s adaptive_rms_box (recommended: 10; default: '
                              'off)')
    extract.add_argument('--backend', choices=['fast', 'astrodendro'], default='fast',
                         help='dendrogram code: the compiled one, or astrodendro (same '
                              'structures, slower; default: %(default)s)')
    _add_jobs(extract, 'the mosaic')
    _add_header_overrides(extract)
    _add_overwrite(extract, 'an existing catalogue')
    extract.add_argument('--false-detections', action='store_true',
                         help='also extract and clean the negated image and print the '
                              'false-detection fraction per SNR and per distance from bright '
                              'sources (lotss_tools.validation.false_detections)')
    extract.set_defaults(func=commands.cmd_extract)

    training = _subparser(sub, 'training', 'build a training set (patches and boxes)',
                          'Cut a mosaic into normalised patches and turn a catalogue into target '
                          'boxes (TrainingSetBuilder). Writes PATH.npz and PATH.boxes.ecsv, both '
                          'or neither.')
    training.add_argument('mosaic', type=Path, help='FITS mosaic')
    training.add_argument('--catalog', type=Path, required=True,
                          help='source catalogue (ECSV, FITS, VOTable)')
    training.add_argument('--reference', type=Path,
                          help='reference catalogue for confidence labels (e.g. LoTSS DR2; '
                               'survey column names are understood)')
    training.add_argument('-o', '--output', type=Path, required=True,
                          help='output path (writes PATH.npz and PATH.boxes.ecsv)')
    training.add_argument('--patch-size', type=_positive_int, default=256, metavar='PIXELS',
                          help='side of the square patches, pooled pixels (default: %(default)s)')
    training.add_argument('--patch-shift', type=_positive_int, default=240, metavar='PIXELS',
                          help='distance between neighbouring patches (default: %(default)s)')
    training.add_argument('--origin-offset', type=_non_negative_int, default=64, metavar='PIXELS',
                          help='pooled pixels before the image origin where the first patch '
                               'starts (default: %(default)s)')
    training.add_argument('--pooling', type=_pooling, default=2, metavar='N|beam',
                          help="pooling factor (a positive whole number), or 'beam' to pool to "
                               "about two pixels per beam (default: %(default)s)")
    training.add_argument('--clip', choices=['fixed', 'percentile'], default='fixed',
                          help='normalisation limits: the research fixed Jy/beam limits or '
                               'percentiles of the image (default: %(default)s)')
    training.add_argument('--keep-labels', nargs='+', metavar='LABEL',
                          choices=['both', 'catalog_only', 'reference_only'],
                          help='keep only boxes with these confidence labels (both, '
                               'catalog_only, reference_only)')
    training.add_argument('--research-2024', action='store_true',
                          help='the 2024 research settings (overrides the patch options)')
    _add_header_overrides(training)
    _add_overwrite(training)
    training.set_defaults(func=commands.cmd_training)

    clean = _subparser(sub, 'clean', 'remove artifacts and duplicates, keeping what was rejected',
                       'CatalogCleaner: write the kept sources and the rejected ones (with reason '
                       'and the source that caused it), and optionally a region file: all of '
                       'them or none.')
    clean.add_argument('catalog', type=Path, help='catalogue file')
    clean.add_argument('-o', '--output', type=Path,
                       help='kept sources (default: CATALOG-clean.ecsv)')
    clean.add_argument('--rejected', type=Path,
                       help='rejected sources (default: KEPT-rejected.ecsv beside --output)')
    clean.add_argument('--preset', choices=['default', 'research-2023', 'research-2024'],
                       default='default', help='cleaning rules (default: %(default)s)')
    clean.add_argument('--min-value', type=_brightness_or_flux, metavar='BRIGHTNESS',
                       help='research-2024 only: the extraction min_value, e.g. 0.1mJy/beam')
    clean.add_argument('--regions', type=Path,
                       help='also write a DS9 (.reg) or CASA CRTF (.crtf) region file')
    clean.add_argument('--mosaic', type=Path,
                       help='the mosaic the catalogue was extracted from: the default cleaner '
                            'measures the artifact level on it (without it, the catalogue-only '
                            'near-bright rule runs, with a warning)')
    _add_header_overrides(clean, 'the mosaic')
    _add_overwrite(clean)
    clean.set_defaults(func=commands.cmd_clean)

    merge = _subparser(sub, 'merge', 'merge catalogues of overlapping tiles or mosaics',
                       'Keep one copy of each source seen by several overlapping catalogues '
                       '(farthest from its image edge if the mosaics are given, else lowest '
                       'local rms). The merged rows are numbered again (id), the input id is '
                       'kept in catalog_id and the input file in catalog.')
    merge.add_argument('catalogs', type=Path, nargs='+', help='catalogue files')
    merge.add_argument('--mosaics', type=Path, nargs='+', metavar='MOSAIC',
                       help='their mosaics, in the same order')
    merge.add_argument('--radius', type=_angle,
                       help=f'largest separation of two copies of a source: {ANGLE_RULE} '
                            '(default: lotss_tools.radii.MERGE_RADIUS, one LoTSS beam, 6arcsec)')
    merge.add_argument('-o', '--output', type=Path, required=True, help='merged catalogue')
    merge.add_argument('--rejected', type=Path, help='also write the overlap duplicates here')
    _add_header_overrides(merge, 'the mosaics')
    _add_overwrite(merge)
    merge.set_defaults(func=commands.cmd_merge)

    catalog = _subparser(sub, 'catalog', 'fetch LoTSS DR2 from VizieR (cached, with provenance)',
                         'Fetch LoTSS DR2 from VizieR over a mosaic or a cone (cached, verified, '
                         'with provenance), or cut a pinned catalogue file to the same region.')
    catalog.add_argument('--mosaic', type=Path, help='query the footprint of this mosaic')
    catalog.add_argument('--center', type=_center, metavar='"RA DEC"',
                         help="query centre: degrees ('218.5 55.0') or sexagesimal")
    catalog.add_argument('--radius', type=_angle,
                         help=f'query radius (with --center): {ANGLE_RULE}, e.g. 10arcmin')
    catalog.add_argument('--pinned', type=Path, help='use this catalogue file instead of VizieR')
    catalog.add_argument('--refresh', action='store_true', help='query again even if cached')
    catalog.add_argument('--no-cache', action='store_true', help='neither read nor write the cache')
    catalog.add_argument('-o', '--output', type=Path, required=True,
                         help='catalogue file to write (ECSV, FITS or VOTable)')
    _add_header_overrides(catalog)
    _add_overwrite(catalog)
    catalog.set_defaults(func=commands.cmd_catalog)

    confirm = _subparser(sub, 'confirm', 'flag rejected candidates confirmed by AllWISE/DESI')
    confirm.add_argument('rejected', type=Path, help='rejected candidates (from clean)')
    confirm.add_argument('--allwise', metavar='FILE|xmatch',
                         help="AllWISE catalogue file, or 'xmatch' (CDS XMatch)")
    confirm.add_argument('--desi', metavar='FILE|xmatch',
                         help="DESI Legacy catalogue file, or 'xmatch'")
    confirm.add_argument('-o', '--output', type=Path, required=True,
                         help='flagged candidates (ECSV, FITS or VOTable)')
    _add_overwrite(confirm)
    confirm.set_defaults(func=commands.cmd_confirm)

    survey = _subparser(
        sub, 'survey', 'process every mosaic of a survey on Dask, resumably',
        'Extract, clean and optionally cross-match every FITS mosaic of a folder as Dask '
        'tasks, record each mosaic in OUTPUT/manifest.json as it finishes, and merge the '
        'catalogues across mosaic overlaps. Run the same command again to resume an '
        'interrupted survey. Exit status 1 if some mosaics failed (see the manifest).')
    survey.add_argument('mosaics', type=Path, help='folder of FITS mosaics')
    survey.add_argument('-o', '--output', type=Path, required=True,
                        help='output folder (checked before any mosaic is processed)')
    where = survey.add_mutually_exclusive_group()
    where.add_argument('--scheduler', metavar='ADDRESS',
                       help="address of a running Dask scheduler (tcp://host:8786), or "
                            "'synchronous' to run the mosaics one by one in this process")
    where.add_argument('--workers', type=_positive_int, metavar='N',
                       help="workers of a new Dask cluster on this machine (default: Dask's "
                            "choice for its cores)")
    survey.add_argument('--reference', metavar='lotss-dr2|FILE',
                        help="score each mosaic against LoTSS DR2 from VizieR ('lotss-dr2', "
                             "cached) or a catalogue file")
    survey.add_argument('--tile-size', type=_positive_int, metavar='PIXELS',
                        help='extract each mosaic in tiles of this size')
    survey.add_argument('--bright-box', type=_positive_float, metavar='BEAMS',
                        help='smaller background boxes of this many beams near sources above 150 '
                             'sigma, as PyBDSF\'s adaptive_rms_box (recommended: 10; default: '
                             'off)')
    _add_jobs(survey, 'each mosaic')
    survey.add_argument('--no-resume', action='store_true',
                        help='process every mosaic again, even those already done')
    survey.add_argument('--no-progress', action='store_true',
                        help='no progress bar (the bar is drawn only on a terminal)')
    survey.set_defaults(func=commands.cmd_survey)

    stats = _subparser(sub, 'stats', 'catalogue statistics: counts, sizes, unresolved fraction',
                       'Print catalogue statistics; optionally write the source counts and '
                       'plot them (both or neither).')
    stats.add_argument('catalog', type=Path, help='catalogue file')
    stats.add_argument('--area', type=_positive_float, metavar='DEG2',
                       help='area covered, square degrees (default: the query cone recorded '
                            'in the catalogue provenance)')
    stats.add_argument('--by', metavar='COLUMN',
                       help='also summarise per value of this column (e.g. s_code)')
    stats.add_argument('--counts-out', type=Path, metavar='FILE',
                       help='write the source counts table here (ECSV, FITS, VOTable)')
    stats.add_argument('--plot', type=Path, metavar='FIGURE',
                       help='draw the Euclidean-normalised counts (PNG, PDF or SVG by extension)')
    _add_overwrite(stats)
    stats.set_defaults(func=commands.cmd_stats)

    xmatch = _subparser(sub, 'xmatch', 'cross-match a catalogue with a reference',
                        'One-to-one match of a catalogue with a reference (a file, or LoTSS DR2 '
                        'from VizieR); prints recall, precision, F1 and relative flux/size '
                        'differences.')
    xmatch.add_argument('catalog', type=Path, help='catalogue file (ECSV, FITS, VOTable)')
    xmatch.add_argument('--reference', required=True, metavar='FILE|lotss-dr2',
                        help="reference catalogue file, or 'lotss-dr2' (needs --mosaic)")
    xmatch.add_argument('--mosaic', type=Path,
                        help='the mosaic the catalogue comes from: recall then counts only the '
                             'reference sources on its valid pixels (without it, every '
                             'reference row)')
    xmatch.add_argument('--radius', type=_angle,
                        help=f'match radius: {ANGLE_RULE} (default: lotss_tools.radii.'
                             'MATCH_RADIUS, one LoTSS beam, 6arcsec)')
    floor = xmatch.add_mutually_exclusive_group()
    floor.add_argument('--min-flux', type=_flux_density, metavar='FLUX',
                       help='recall counts only reference sources at least this bright, '
                            'e.g. 1mJy')
    floor.add_argument('--min-snr', type=_positive_float, metavar='SNR',
                       help='recall counts only reference sources with at least this SNR')
    xmatch.add_argument('--method', choices=['optimal', 'nearest'], default='optimal',
                        help='one-to-one assignment: optimal (least total separation) or '
                             'nearest first (default: %(default)s)')
    xmatch.add_argument('-o', '--output', type=Path, help='write the matched pairs here')
    xmatch.add_argument('--chance', type=_positive_int, metavar='N_TRIALS',
                        help='also measure the chance-match fraction (needs --mosaic)')
    _add_header_overrides(xmatch)
    _add_overwrite(xmatch)
    xmatch.set_defaults(func=commands.cmd_xmatch)

    info = _subparser(sub, 'info', 'describe a mosaic: beam, pixel scale, noise, thresholds')
    info.add_argument('mosaic', type=Path, help='FITS mosaic')
    _add_header_overrides(info)
    info.set_defaults(func=commands.cmd_info)
    return parser
