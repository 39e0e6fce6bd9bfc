"""The subcommands of ``lotss-tools``: each checks its outputs, calls the library, reports.

Every subcommand follows the same order: check every output path before
any work (`lotss_tools.io.check_outputs`: not an input, not given twice, not a folder,
its folder writable, not existing unless ``--overwrite``; the table or
figure format known from its extension), then read, compute, and write all
its outputs together (`lotss_tools.io.atomic_paths`): a command never
leaves one output written and the next missing, and never writes over an
input.

Every catalogue file is read by `read_catalog`, which turns survey column
names (``RA``, ``Total_flux``, ``Isl_rms``...) into the package's
(`lotss_tools.schema.normalise_columns`). Library modules are imported
inside each subcommand, so the command line starts quickly.
"""

import contextlib
import logging
import os
import re
import time
import warnings
from pathlib import Path

__all__ = ['read_catalog', 'read_mosaic', 'load_reference', 'cmd_demo',
           'cmd_simulate', 'cmd_info', 'cmd_extract', 'cmd_training', 'cmd_xmatch', 'cmd_clean',
           'cmd_merge', 'cmd_catalog', 'cmd_confirm', 'cmd_stats', 'cmd_survey']

log = logging.getLogger('lotss_tools.cli')

#: Region file formats of ``clean --regions``, by extension.
REGION_FORMATS = {'.reg': 'ds9', '.crtf': 'crtf'}


def read_catalog(path):
    """Read a catalogue file (any format `lotss_tools.io.write_table` writes) with the
    package's column names, errors in one line.

    Survey and PyBDSF column names are renamed and unit-less known columns
    get their schema unit (`lotss_tools.schema.normalise_columns`).
    """
    from ..io import read_table
    from ..schema import normalise_columns
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f'{path}: is a folder, not a catalogue file.')
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such catalogue file.')
    try:
        table = read_table(path)
    except ValueError:        # read_table names the file already
        raise
    except Exception as exc:  # astropy raises many kinds for unreadable files
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f'{path}: cannot read a catalogue from it ({first_line}).') from exc
    log.info('read %d rows from %s', len(table), path)
    return normalise_columns(table)


def read_mosaic(path, args=None):
    """Read a mosaic, with the ``--beam``/``--unit`` overrides of the command if any."""
    from ..mosaic import Mosaic
    mosaic = Mosaic.read(path, beam=getattr(args, 'beam', None), unit=getattr(args, 'unit', None))
    log.info('read %s: %d x %d pixels', path, mosaic.shape[1], mosaic.shape[0])
    return mosaic


def _check_outputs(args, outputs, inputs=(), *, tables=(), figures=(), overwrite=None):
    """Check every output of a command before any work is done.

    Parameters
    ----------
    args : `argparse.Namespace`
        Its ``overwrite`` (if any) allows replacing existing files.
    outputs : sequence of path or None
        Every file the command will write (None entries are ignored).
    inputs : sequence of path or None
        Every file it reads: none may be an output.
    tables, figures : sequence of path or None
        The outputs that are tables or figures: their format must be known
        from the extension.
    overwrite : bool, optional
        Default: the command's ``--overwrite``.

    Returns
    -------
    paths : list of `pathlib.Path`
        The outputs, in order (None entries dropped).
    """
    from ..io import check_outputs, table_format
    for path in tables:
        if path is not None:
            table_format(path)
    for path in figures:
        if path is not None:
            _figure_format(path)
    if overwrite is None:
        overwrite = getattr(args, 'overwrite', False)
    return check_outputs(outputs, inputs=[p for p in inputs if p is not None],
                         overwrite=overwrite)


def _figure_format(path):
    """The matplotlib format of a figure file, from its extension (ValueError if unknown)."""
    from matplotlib.backend_bases import FigureCanvasBase
    known = FigureCanvasBase.get_supported_filetypes()
    suffix = Path(path).suffix.lower().lstrip('.')
    if suffix not in known:
        raise ValueError(f'{path}: cannot tell the figure format from the file name; use one of '
                         f'the extensions {", ".join("." + k for k in sorted(known))}.')
    return suffix


def _write_tables(tables, paths, tmps):
    """Write tables into the temporaries of `lotss_tools.io.atomic_paths`."""
    from ..io import table_format, write_table
    for table, path, tmp in zip(tables, paths, tmps):
        write_table(table, tmp, overwrite=True, format=table_format(path))


#: Library parameters whose command-line option has another name.
_OPTION_NAMES = {'bright_box_size': 'bright_box'}


def _flags(args, names):
    """A library message about a parameter, reworded with the command's option name."""
    options = {name: _OPTION_NAMES.get(name, name) for name in names}
    return {name: '--' + option.replace('_', '-') for name, option in options.items()
            if hasattr(args, option)}


@contextlib.contextmanager
def _options_as_flags(args, names):
    """Errors about the settings name the command's options (``--tile-size``, not
    ``tile_size``)."""
    try:
        yield
    except (ValueError, TypeError) as exc:
        message = str(exc)
        for name, flag in _flags(args, names).items():
            message = re.sub(rf'(?<![\w-]){name}(?!\w)', flag, message)
        if message == str(exc):
            raise
        raise type(exc)(message) from exc


def _brightness(value, digits=1):
    """A brightness in µJy/beam (below 1 mJy/beam) or mJy/beam, e.g. ``25.7 µJy/beam``."""
    from astropy import units as u
    value = u.Quantity(value)
    if value.unit.is_equivalent(u.Jy / u.beam):
        small = abs(value.to_value(u.mJy / u.beam)) < 1
        unit, name = (u.uJy / u.beam, 'µJy/beam') if small else (u.mJy / u.beam, 'mJy/beam')
        return f'{value.to_value(unit):.{digits}f} {name}'
    return f'{value.value:g}' + (f' {value.unit}' if str(value.unit) else '')


def _threshold_text(meta, name):
    """A threshold from a catalogue's meta: in local rms, or a brightness (``25.7 µJy/beam``)."""
    from astropy import units as u
    value = meta.get(name)
    if value is None:
        return 'none'
    unit = meta.get('threshold_unit')
    if unit == 'local rms':
        return f'{float(value):g} x local rms'
    try:
        value = u.Quantity(value) if isinstance(value, str) else u.Quantity(value, unit or '')
    except (TypeError, ValueError):
        return str(value)
    return _brightness(value)


# ------------------------------------------------------------------ commands
def cmd_demo(args):
    from ..demo import run_demo
    # The demo replaces its own outputs: check that its folder can be written.
    _check_outputs(args, [Path(args.output) / 'catalog.ecsv'], overwrite=True)
    result = run_demo(args.output, shape=args.shape, seed=args.seed)
    print(result.report())
    return 0


def cmd_simulate(args):
    from ..io import atomic_paths
    from ..simulate import simulate_mosaic
    path = Path(args.output)
    truth_path = Path(args.truth) if args.truth else path.with_name(
        path.name.split('.')[0] + '-truth.ecsv')
    outputs = _check_outputs(args, [path, truth_path], tables=[truth_path])
    if not path.name.lower().endswith(('.fits', '.fit', '.fts', '.fits.gz')):
        raise ValueError(f'{path}: a simulated mosaic is written as FITS; give a .fits (or '
                         f'.fits.gz) file name.')
    mosaic, truth = simulate_mosaic(args.shape, seed=args.seed)
    with atomic_paths(outputs, overwrite=args.overwrite) as (fits_tmp, truth_tmp):
        mosaic.write(fits_tmp, overwrite=True)
        _write_tables([truth], [truth_path], [truth_tmp])
    print(f'wrote simulated mosaic {path} ({mosaic.shape[1]} x {mosaic.shape[0]} pixels)')
    print(f'wrote truth catalogue {truth_path} ({len(truth)} rows)')
    return 0


def cmd_info(args):
    from astropy import units as u

    from ..exceptions import ThresholdBelowNoiseWarning
    mosaic = read_mosaic(args.mosaic, args)
    with warnings.catch_warnings():     # said in the report below instead
        warnings.simplefilter('ignore', ThresholdBelowNoiseWarning)
        thresholds = mosaic.research_thresholds()
    ny, nx = mosaic.shape
    area = (mosaic.footprint.sum() * (mosaic.pixel_scale * u.pix) ** 2).to(u.deg ** 2)
    beam = mosaic.beam
    per_beam = mosaic.beam_area.to_value(u.pix ** 2)
    major, minor = mosaic.beam_fwhm_pixels
    lines = [
        f'mosaic      {args.mosaic}',
        f'name        {mosaic.name}',
        f'shape       {nx} x {ny} pixels, valid area {area.to_value(u.deg ** 2):.4f} deg2',
        f'centre      {mosaic.center.to_string("hmsdms", precision=1)} '
        f'(RA {mosaic.center.icrs.ra.deg:.5f}, Dec {mosaic.center.icrs.dec.deg:+.5f} deg)',
        f'pixel scale {mosaic.pixel_scale.to_value(u.arcsec / u.pix):.2f} arcsec',
        f'beam        {beam.major.to_value(u.arcsec):.2f} x {beam.minor.to_value(u.arcsec):.2f} '
        f'arcsec, PA {beam.pa.to_value(u.deg):.1f} deg ({major:.1f} x {minor:.1f} pixels; '
        f'{per_beam:.2f} pixels per beam area)',
        'frequency   ' + (f'{mosaic.frequency.to_value(u.MHz):.2f} MHz'
                          if mosaic.frequency is not None else 'unknown'),
        f'global rms  {_brightness(mosaic.global_rms())}',
        f'research thresholds: min_value {_brightness(thresholds.min_value)}, '
        f'min_delta {_brightness(thresholds.min_delta)}, min_npix {thresholds.min_npix}',
    ]
    if not thresholds.reliable:
        lines.append(f'  warning: min_value is {thresholds.min_value_sigmas:.2f} x the rms, below '
                     'the noise: the research rule is unreliable on this image (use the '
                     'default local S/N thresholds)')
    if mosaic.undersampled:
        lines.append(f'  warning: the beam spans only {major:.1f} x {minor:.1f} pixels (fewer '
                     'than 2.5): sizes are floored at the beam and compact sources measured as '
                     'points')
    print('\n'.join(lines))
    return 0


def _extractor(args, **settings):
    from ..extraction import DendroExtractor
    runtime = dict(n_jobs=args.jobs, progress=args.verbose)
    if getattr(args, 'bright_box', None) is not None:
        settings['bright_box_size'] = args.bright_box
    with _options_as_flags(args, ['min_value', 'min_delta', 'min_npix', 'tile_size', 'backend',
                                  'structure', 'threshold', 'jobs', 'bright_box_size']):
        if settings.get('threshold') == 'research-2023':
            # The research configuration, with the options given on the command line.
            explicit = {key: value for key, value in settings.items()
                        if key != 'threshold' and value is not None}
            return DendroExtractor.research_2023(**explicit, **runtime)
        return DendroExtractor(**settings, **runtime)


def _warn_jobs_without_tiles(args, tile_size):
    if args.jobs > 1 and tile_size is None:
        log.warning('--jobs %d has no effect without --tile-size: a mosaic in one piece is '
                    'extracted by one thread', args.jobs)


def cmd_extract(args):
    from ..io import write_table
    output = Path(args.output) if args.output else Path(args.mosaic).with_suffix('.catalog.ecsv')
    _check_outputs(args, [output], [args.mosaic], tables=[output])
    extractor = _extractor(args, min_value=args.min_value, min_delta=args.min_delta,
                           min_npix=args.min_npix, threshold=args.threshold,
                           structure=args.structure, tile_size=args.tile_size,
                           backend=args.backend)
    _warn_jobs_without_tiles(args, extractor.tile_size)
    mosaic = read_mosaic(args.mosaic, args)
    start = time.perf_counter()
    if args.false_detections:
        from ..pipeline import Pipeline
        result = Pipeline(extractor, false_detections=True).run(mosaic)
        catalog, report = result.catalog, result.false_detections
        print(f'false detections of {args.mosaic} (the same extraction and default cleaning '
              f'on the negated image): {report!r}')
        for table in (report.by_snr, report.by_distance):
            table.pprint_all()
    else:
        catalog = extractor.extract(mosaic)
    log.info('extraction took %.1f s', time.perf_counter() - start)
    write_table(catalog, output, overwrite=args.overwrite, inputs=[args.mosaic])
    meta = catalog.meta
    print(f'extracted {len(catalog)} sources from {args.mosaic} '
          f'(threshold {extractor.threshold}, min_value {_threshold_text(meta, "min_value")}, '
          f'min_delta {_threshold_text(meta, "min_delta")}, min_npix {meta.get("min_npix")})')
    print(f'wrote {output}')
    return 0


def cmd_training(args):
    from ..training import FIXED_CLIP, TrainingSet, TrainingSetBuilder
    inputs = [args.mosaic, args.catalog, args.reference]
    outputs = TrainingSet.output_paths(args.output)
    _check_outputs(args, outputs, inputs)
    with _options_as_flags(args, ['patch_size', 'patch_shift', 'origin_offset', 'pooling',
                                  'clip', 'keep_labels']):
        if args.research_2024:
            builder = TrainingSetBuilder.research_2024(keep_labels=args.keep_labels)
        else:
            builder = TrainingSetBuilder(patch_size=args.patch_size, patch_shift=args.patch_shift,
                                         origin_offset=args.origin_offset, pooling=args.pooling,
                                         clip='percentile' if args.clip == 'percentile'
                                         else FIXED_CLIP, keep_labels=args.keep_labels)
    catalog = read_catalog(args.catalog)
    reference = read_catalog(args.reference) if args.reference else None
    training_set = builder.build(read_mosaic(args.mosaic, args), catalog, reference)
    npz_path, boxes_path = training_set.write(args.output, overwrite=args.overwrite,
                                              inputs=inputs)
    print(f'built {len(training_set)} patches with {len(training_set.boxes)} boxes '
          f'from {args.mosaic}')
    print(f'wrote {npz_path} and {boxes_path}')
    return 0


def load_reference(args, mosaic=None):
    """The reference catalogue of ``xmatch``: a file, or LoTSS DR2 from VizieR over ``mosaic``."""
    if args.reference != 'lotss-dr2':
        return read_catalog(args.reference)
    from ..catalogs import get_lotss_dr2
    if mosaic is None:
        raise ValueError('--reference lotss-dr2 needs --mosaic, to query the mosaic footprint.')
    return get_lotss_dr2(mosaic)


def cmd_xmatch(args):
    from ..crossmatch import SUMMARY_QUANTITIES, CrossMatcher, chance_match_rate
    from ..radii import MATCH_RADIUS
    reference_file = args.reference if args.reference != 'lotss-dr2' else None
    inputs = [args.catalog, reference_file, args.mosaic]
    _check_outputs(args, [args.output], inputs, tables=[args.output])
    if args.chance and args.mosaic is None:
        raise ValueError('--chance needs --mosaic: random positions are drawn in its footprint.')
    if args.reference == 'lotss-dr2' and args.mosaic is None:
        raise ValueError('--reference lotss-dr2 needs --mosaic, to query the mosaic footprint.')
    catalog = read_catalog(args.catalog)
    mosaic = read_mosaic(args.mosaic, args) if args.mosaic is not None else None
    reference = load_reference(args, mosaic)
    radius = MATCH_RADIUS if args.radius is None else args.radius
    result = CrossMatcher(radius=radius, method=args.method).match(
        catalog, reference, footprint=mosaic, min_flux=args.min_flux, min_snr=args.min_snr)
    present = [q for q in SUMMARY_QUANTITIES if q in catalog.colnames and q in reference.colnames]
    summary = result.summary(quantities=present)
    print(f'{args.catalog} against {args.reference}: {result.n_matched} pairs within '
          f'{radius.to_value("arcsec"):g} arcsec')
    print(f'  recall counts {result.recall_counts}'
          + ('' if mosaic is not None else ' (give --mosaic to count only those in its footprint)'))
    for line in str(summary).splitlines():
        print(f'  {line}')
    if args.chance:
        rate = chance_match_rate(catalog, reference, mosaic, n_trials=args.chance,
                                 radius=radius, seed=0)
        print(f'  chance-match fraction    {rate.mean:.4f} +- {rate.std:.4f} '
              f'({args.chance} trials)')
    if args.output:
        result.write_pairs(args.output, overwrite=args.overwrite, inputs=inputs)
        print(f'wrote {args.output}')
    return 0


def cmd_clean(args):
    from ..cleaning import CatalogCleaner, write_cleaning_regions
    from ..io import atomic_paths
    catalog_path = Path(args.catalog)
    output = Path(args.output) if args.output else catalog_path.with_name(
        catalog_path.name.split('.')[0] + '-clean.ecsv')
    rejected_path = Path(args.rejected) if args.rejected else output.with_name(
        output.name.split('.')[0] + '-rejected.ecsv')
    if args.regions is not None and args.regions.suffix.lower() not in REGION_FORMATS:
        raise ValueError(f'--regions {args.regions}: give a .reg (DS9) or .crtf (CASA) file name.')
    if args.min_value is not None and args.preset != 'research-2024':
        raise ValueError('--min-value applies to --preset research-2024 only.')
    outputs = _check_outputs(args, [output, rejected_path, args.regions],
                             [catalog_path, args.mosaic], tables=[output, rejected_path])
    catalog = read_catalog(catalog_path)
    mosaic = read_mosaic(args.mosaic, args) if args.mosaic is not None else None
    if args.preset == 'research-2023':
        cleaner = CatalogCleaner.research_2023()
    elif args.preset == 'research-2024':
        cleaner = CatalogCleaner.research_2024(min_value=args.min_value)
    else:
        cleaner = CatalogCleaner()
    kept, rejected = cleaner.clean(catalog, mosaic=mosaic)
    with atomic_paths(outputs, overwrite=args.overwrite, inputs=[catalog_path]) as tmps:
        _write_tables([kept, rejected], outputs, tmps)
        if args.regions is not None:
            write_cleaning_regions(tmps[2], kept, rejected, cleaner, overwrite=True,
                                   format=REGION_FORMATS[args.regions.suffix.lower()])
    print(f'{args.catalog}: kept {len(kept)} of {len(catalog)} sources ({args.preset} cleaner)')
    for reason in sorted(set(rejected['reason'])):
        print(f'  rejected as {reason:<26s} {int((rejected["reason"] == reason).sum())}')
    print('wrote ' + ', '.join(str(p) for p in outputs))
    return 0


def cmd_merge(args):
    from ..cleaning import merge_catalogs
    from ..io import atomic_paths
    from ..radii import MERGE_RADIUS
    if args.mosaics is not None and len(args.mosaics) != len(args.catalogs):
        raise ValueError(f'give one mosaic per catalogue ({len(args.catalogs)} catalogues, '
                         f'{len(args.mosaics)} mosaics in --mosaics).')
    inputs = list(args.catalogs) + list(args.mosaics or [])
    outputs = _check_outputs(args, [args.output, args.rejected], inputs,
                            tables=[args.output, args.rejected])
    catalogs = [read_catalog(path) for path in args.catalogs]
    footprints = [read_mosaic(path, args) for path in args.mosaics] if args.mosaics else None
    radius = MERGE_RADIUS if args.radius is None else args.radius
    merged, duplicates = merge_catalogs(catalogs, footprints, radius=radius)
    merged.meta['catalogs'] = [str(p) for p in args.catalogs]
    with atomic_paths(outputs, overwrite=args.overwrite, inputs=inputs) as tmps:
        _write_tables([merged, duplicates], outputs, tmps)
    print(f'merged {sum(len(c) for c in catalogs)} rows of {len(catalogs)} catalogues into '
          f'{len(merged)} sources ({len(duplicates)} overlap duplicates, within '
          f'{radius.to_value("arcsec"):g} arcsec)')
    print('wrote ' + ' and '.join(str(p) for p in outputs))
    return 0


def cmd_catalog(args):
    from ..catalogs import get_lotss_dr2, write_catalog
    if args.mosaic is not None and (args.center is not None or args.radius is not None):
        raise ValueError('give --mosaic, or --center and --radius, not both.')
    if args.mosaic is None and (args.center is None or args.radius is None):
        raise ValueError('give --mosaic, or --center and --radius.')
    inputs = [args.mosaic, args.pinned]
    _check_outputs(args, [args.output], inputs, tables=[args.output])
    if args.mosaic is not None:
        target, radius = read_mosaic(args.mosaic, args), None
    else:
        target, radius = args.center, args.radius
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
    files = [v for v in (args.allwise, args.desi) if v is not None and v != 'xmatch']
    _check_outputs(args, [args.output], [args.rejected] + files, tables=[args.output])
    if args.allwise is None and args.desi is None:
        raise ValueError('give --allwise or --desi (a catalogue file, or xmatch).')
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


def _print_table(table):
    """Print a table whole, floats with four significant digits."""
    import numpy as np
    shown = table.copy(copy_data=False)
    for name in shown.colnames:
        if np.issubdtype(np.asarray(shown[name]).dtype, np.floating):
            shown[name].info.format = '.4g'
    for line in shown.pformat(max_lines=-1, max_width=-1):
        print(line)


def cmd_stats(args):
    from astropy import units as u

    from ..io import atomic_paths
    from ..stats import catalog_summary, s_code_fractions, source_counts
    outputs = _check_outputs(args, [args.counts_out, args.plot], [args.catalog],
                            tables=[args.counts_out], figures=[args.plot])
    catalog = read_catalog(args.catalog)
    area = args.area * u.deg ** 2 if args.area is not None else None
    summary = catalog_summary(catalog, area, by=args.by)
    print(f'{args.catalog}: {len(catalog)} sources')
    _print_table(summary)
    if 's_code' in catalog.colnames:
        _print_table(s_code_fractions(catalog))
    if not outputs:
        return 0
    counts = source_counts(catalog, area)
    figure = None
    if args.plot is not None:
        import matplotlib
        matplotlib.use('Agg')
        from ..visualization import plot_source_counts
        figure = plot_source_counts(counts).figure
    with atomic_paths(outputs, overwrite=args.overwrite, inputs=[args.catalog]) as tmps:
        tmps = dict(zip(outputs, tmps))
        if args.counts_out is not None:
            _write_tables([counts], [args.counts_out], [tmps[Path(args.counts_out)]])
        if figure is not None:
            figure.savefig(tmps[Path(args.plot)], dpi=110, format=_figure_format(args.plot))
    if figure is not None:
        import matplotlib.pyplot as plt
        plt.close(figure)
    print('wrote ' + ' and '.join(str(p) for p in outputs))
    return 0


@contextlib.contextmanager
def _quiet_dask_workers(args):
    """Workers of a new Dask cluster log at WARNING unless --debug (they read DASK_* on start)."""
    names = {'DASK_LOGGING__DISTRIBUTED': 'warning'}
    saved = {name: os.environ.get(name) for name in names}
    if not args.debug:
        for name, value in names.items():
            os.environ.setdefault(name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def cmd_survey(args):
    from ..survey import run_survey
    reference = args.reference
    if not Path(args.mosaics).exists():
        raise FileNotFoundError(f'{args.mosaics}: no such folder of mosaics.')
    if reference is not None and reference != 'lotss-dr2' and not Path(reference).is_file():
        raise FileNotFoundError(f"{reference}: no such reference catalogue file (give a file "
                                f"or 'lotss-dr2').")
    # The survey replaces its own outputs; check the folder before any mosaic is processed.
    output = Path(args.output)
    inputs = [reference if reference != 'lotss-dr2' else None]
    if Path(args.mosaics).is_file():
        inputs.append(args.mosaics)
    _check_outputs(args, [output / 'manifest.json'], inputs, overwrite=True)
    extractor = _extractor(args)
    _warn_jobs_without_tiles(args, args.tile_size)
    with _quiet_dask_workers(args):
        result = run_survey(args.mosaics, output, extractor=extractor, reference=reference,
                            client=args.scheduler, n_workers=args.workers,
                            resume=not args.no_resume, tile_size=args.tile_size,
                            progress=not args.no_progress)
    print(result.report())
    return 1 if len(result.failed) else 0
