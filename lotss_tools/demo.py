"""The embedded demonstration: the whole pipeline on a simulated mosaic.

`run_demo` is what ``lotss-tools demo`` runs and what the documentation's
getting-started page shows. It needs no network and no data files: the
mosaic and its truth catalogue come from
`~lotss_tools.validation.simulate_interferometer_sky` (a sky made by LOFAR
aperture synthesis, with calibration artifacts of both signs, which the
default cleaner measures on the image).
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy import units as u

from .cleaning import write_cleaning_regions
from .io import atomic_path, write_table
from .pipeline import Pipeline, score_against_truth
from .radii import MATCH_RADIUS
from .validation import simulate_interferometer_sky

__all__ = ['run_demo', 'DemoResult']


@dataclass
class DemoResult:
    """What `run_demo` did: the written files and the measured numbers."""

    output_dir: Path
    files: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)

    def report(self):
        """A human-readable summary, as printed by ``lotss-tools demo``."""
        lines = ['lotss_tools demo: the pipeline on a simulated LoTSS-like mosaic', '']
        lines += [f'  {i + 1}. {step}' for i, step in enumerate(self.steps)]
        lines += ['', 'results:']
        lines += [f'  {name:<28s} {value}' for name, value in self.numbers.items()]
        lines += ['', f'files written in {self.output_dir}:']
        lines += [f'  {name:<28s} {path}' for name, path in self.files.items()]
        return '\n'.join(lines)


def _save_figure(fig, path):
    with atomic_path(path, overwrite=True) as tmp:
        fig.savefig(tmp, format='png', dpi=110)


def run_demo(output_dir='lotss-demo', *, shape=(2048, 2048), seed=42):
    """Simulate a mosaic, run the pipeline on it and write every output.

    Parameters
    ----------
    output_dir : str or `os.PathLike`
        Folder for the outputs (created if needed; files are replaced).
    shape : tuple of int
        Image size ``(ny, nx)``.
    seed : int
        Random seed of the simulation.

    Returns
    -------
    result : `DemoResult`
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from .visualization import plot_mosaic, plot_threshold_diagnostic

    output_dir = Path(output_dir)
    result = DemoResult(output_dir)
    start = time.perf_counter()

    mosaic, truth, layers = simulate_interferometer_sky(shape, seed=seed, return_layers=True)
    inside = np.asarray(truth['in_footprint'], bool)
    n_sources = len(np.unique(np.asarray(truth['group'])[inside]))
    result.steps.append(f'simulated a {shape[1]} x {shape[0]} pixel mosaic (seed {seed}) by LOFAR '
                        f'aperture synthesis (simulate_interferometer_sky) with {n_sources} '
                        f'sources ({int(inside.sum())} components), '
                        f'{truth.meta["n_artifact_sources"]} of them with calibration artifacts')
    result.files['mosaic (FITS)'] = mosaic.write(output_dir / 'simulated_mosaic.fits', overwrite=True)
    result.files['truth catalogue (ECSV)'] = write_table(truth, output_dir / 'truth.ecsv', overwrite=True)

    pipeline = Pipeline(false_detections=True)
    run = pipeline.run(mosaic)
    catalog, kept, rejected, noise = run.catalog, run.kept, run.rejected, run.noise
    # The extractor measured the noise it worked with: report its own maps.
    rms = noise.global_rms.to(u.uJy / u.beam)
    rms_map = (noise.rms * noise.unit).to(u.uJy / u.beam)
    thresholds = mosaic.research_thresholds()
    result.steps.append('measured the noise: sigma-clipped global rms and a local rms map '
                        '(photutils Background2D, 25-beam boxes)')
    result.steps.append('derived the research dendrogram thresholds from the pixel histogram')
    result.numbers['global rms'] = f'{rms:.1f}'
    result.numbers['local rms (5th-95th pct)'] = (
        f'{_percentile(rms_map, 5):.1f} - {_percentile(rms_map, 95):.1f}')
    result.numbers['min_value (research)'] = f'{thresholds.min_value.to(u.uJy / u.beam):.1f}'
    result.numbers['min_delta (research)'] = f'{thresholds.min_delta.to(u.uJy / u.beam):.1f}'
    result.numbers['min_npix (research)'] = f'{thresholds.min_npix}'

    used = run.thresholds
    result.steps.append(f'extracted {len(catalog)} sources with DendroExtractor (leaves of a '
                        f'dendrogram on the local signal-to-noise image: min_value '
                        f'{used.min_value:g}, min_delta {used.min_delta:g} sigma, '
                        f'min_npix {used.min_npix})')
    reasons = ', '.join(f'{int((rejected["reason"] == r).sum())} {r}'
                        for r in sorted(set(rejected['reason']))) or 'none'
    result.steps.append(f'cleaned it with CatalogCleaner: kept {len(kept)}, rejected '
                        f'{len(rejected)} ({reasons}); the rejected rows are kept in their own file')
    result.files['catalogue (ECSV)'] = write_table(kept, output_dir / 'catalog.ecsv', overwrite=True)
    result.files['rejected sources (ECSV)'] = write_table(rejected, output_dir / 'rejected.ecsv',
                                                          overwrite=True)
    result.files['cleaning regions (DS9)'] = write_cleaning_regions(
        output_dir / 'cleaning.reg', kept, rejected, pipeline.cleaner, overwrite=True)
    _score(result, catalog, kept, truth)
    labels = layers.classify(catalog)
    out = np.isin(catalog['id'], rejected['id'])
    for label, name in (('artifact', 'artifact detections'), ('source', 'true detections')):
        result.numbers[f'{name} rejected'] = (f'{int(np.sum(out & (labels == label)))} of '
                                              f'{int(np.sum(labels == label))}')
    summary = run.false_detections.summary()
    result.steps.append('ran the same extraction and cleaning on the negated image, whose '
                        'detections are all false (lotss_tools.validation.false_detections)')
    result.numbers['negated-image detections'] = (
        f'{summary["n_negative_detected"]} before cleaning, {summary["n_negative"]} after '
        f'(false fraction {summary["false_detection_fraction"]:.3f})')

    fig = plt.figure(figsize=(14, 6))
    ax_image = fig.add_subplot(1, 2, 1, projection=mosaic.wcs)
    bright = truth[(truth['snr'] >= 5) & inside]
    plot_mosaic(mosaic, ax=ax_image, catalog=[bright, kept, rejected],
                catalog_color=['cyan', 'lime', 'red'],
                catalog_label=['truth, SNR >= 5', 'kept', 'rejected'])
    plot_threshold_diagnostic(thresholds, ax=fig.add_subplot(1, 2, 2))
    fig.tight_layout()
    _save_figure(fig, output_dir / 'demo.png')
    plt.close(fig)
    result.files['figure (PNG)'] = output_dir / 'demo.png'
    result.steps.append('drew the mosaic with true and detected sources, and the threshold diagnostic')
    result.numbers['run time'] = f'{time.perf_counter() - start:.1f} s'
    return result


def _score(result, extracted, kept, truth):
    """Recall and precision against the simulated truth, before and after cleaning."""
    # The catalogue lists sources; the truth lists components with their source's group.
    before = score_against_truth(extracted, truth, level='sources')
    after = score_against_truth(kept, truth, level='sources')
    result.steps.append(f'scored both catalogues against the true sources (one-to-one within '
                        f'{MATCH_RADIUS:g} of a source or its components, '
                        f"score_against_truth(level='sources'))")
    result.numbers['sources kept'] = f'{len(kept)} of {len(extracted)} detections'
    result.numbers['precision before cleaning'] = f'{before.precision:.3f}'
    result.numbers['precision after cleaning'] = f'{after.precision:.3f}'
    result.numbers[f'recall, true SNR >= {after.min_snr:g}'] = (
        f'{after.recall:.3f} ({after.n_true_counted} sources)')
    result.numbers['recall, all true sources'] = (f'{after.recall_all:.3f} '
                                                  f'(most are below the noise)')
    result.numbers[f'median flux ratio, SNR >= {after.flux_min_snr:g}'] = f'{after.flux_ratio:.3f}'


def _percentile(quantity, q):
    return np.nanpercentile(quantity.value, q) * quantity.unit
