"""Tests of lotss_tools.visualization: every figure renders, and shows what it says."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from astropy import units as u
from astropy.table import QTable

import lotss_tools.visualization as visualization
from lotss_tools import CrossMatcher
from lotss_tools.catalogs import get_lotss_dr2, load_catalog, sample_catalog_path
from lotss_tools.cleaning import CatalogCleaner
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.stats import cone_area, is_unresolved, source_counts
from lotss_tools.visualization import (plot_completeness, plot_flux_distribution,
                                       plot_flux_size, plot_major_minor, plot_mosaic,
                                       plot_rejection_radius, plot_resolved_envelope,
                                       plot_source_counts, plot_threshold_diagnostic,
                                       plot_training_patch)
from lotss_tools.training import TrainingSetBuilder

from .catalog_fixtures import *  # noqa: F401,F403
from .vizier_server import SAMPLE_CENTER

RMS = 83 * u.uJy / u.beam


@pytest.fixture(scope='module')
def sample():
    return load_catalog(sample_catalog_path())


@pytest.fixture(scope='module')
def simulated():
    mosaic, truth = simulate_mosaic((384, 384), seed=7)
    return mosaic, truth[~truth['artifact'] & truth['in_footprint']]


@pytest.fixture
def dr2_with_codes(local_vizier):
    """A DR2 query answered by the local VizieR: has s_code, island_rms and provenance."""
    return get_lotss_dr2(SAMPLE_CENTER, 25 * u.arcmin)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close('all')


def render(ax, tmp_path, name):
    """Save the figure of ``ax`` to PNG and check that a real image came out."""
    path = tmp_path / f'{name}.png'
    ax.figure.savefig(path, dpi=60)
    data = path.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n' and len(data) > 2000
    return path


def test_every_plot_renders_to_png(tmp_path, sample, simulated):
    mosaic, truth = simulated
    result = CrossMatcher(6 * u.arcsec).match(truth[truth['snr'] > 5], truth)
    training_set = TrainingSetBuilder(patch_size=96, patch_shift=80, origin_offset=0).build(
        mosaic, truth)
    calls = {
        'plot_mosaic': lambda ax: plot_mosaic(mosaic, catalog=truth),
        'plot_threshold_diagnostic': lambda ax: plot_threshold_diagnostic(
            mosaic.research_thresholds(), ax=ax),
        'plot_rejection_radius': lambda ax: plot_rejection_radius(CatalogCleaner(), ax),
        'plot_completeness': lambda ax: plot_completeness(result, ax, bins=4),
        'plot_flux_distribution': lambda ax: plot_flux_distribution(sample, ax),
        'plot_flux_size': lambda ax: plot_flux_size(sample, ax),
        'plot_major_minor': lambda ax: plot_major_minor(sample, ax, deconvolved=True),
        'plot_resolved_envelope': lambda ax: plot_resolved_envelope(sample, ax, rms=RMS),
        'plot_source_counts': lambda ax: plot_source_counts(sample, ax,
                                                            area=cone_area(0.52 * u.deg)),
        'plot_training_patch': lambda ax: plot_training_patch(training_set, 0, ax),
    }
    plot_names = {name for name in visualization.__all__ if name.startswith('plot_')}
    assert plot_names == set(calls)
    for name, call in calls.items():
        ax = None if name == 'plot_mosaic' else plt.figure().add_subplot()
        drawn = call(ax)
        assert ax is None or drawn is ax, name
        render(drawn, tmp_path, name)


def test_plot_methods_delegate_to_visualization(simulated):
    """Plot methods of core classes draw with the visualization functions."""
    mosaic, truth = simulated
    result = CrossMatcher().match(truth[truth['snr'] > 5], truth)
    ax = result.plot_completeness(bins=3)
    assert ax.get_ylabel() == 'fraction matched'
    training_set = TrainingSetBuilder(patch_size=96, patch_shift=80, origin_offset=0).build(
        mosaic, truth)
    assert training_set.plot_patch(1).get_title().startswith('patch 1')


def test_mosaic_plot_overlays_each_catalogue(simulated):
    mosaic, truth = simulated
    bright = truth[truth['snr'] > 10]
    ax = mosaic.plot(catalog=[truth, bright], catalog_color=['cyan', 'lime'],
                     catalog_label=['truth', 'SNR > 10'])
    assert [len(c.get_offsets()) for c in ax.collections] == [len(truth), len(bright)]
    assert ax.get_xlim() == (-0.5, mosaic.shape[1] - 0.5)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ['truth', 'SNR > 10']


def test_flux_distribution_counts_every_valid_source(sample, dr2_with_codes):
    edges = np.geomspace(0.01, 1000, 26)
    ax = plot_flux_distribution(sample, by=None, bins=edges * u.mJy)
    counts, _ = np.histogram(sample['total_flux'].value, bins=edges)
    polygon = ax.patches[0]           # the filled histogram of all sources
    assert polygon.get_label() == f'all sources ({len(sample)})'
    assert polygon.get_xy()[:, 1].max() == counts.max()
    assert len(ax.patches) == 1 and ax.get_xlabel() == 'total flux density (mJy)'
    ax = plot_flux_distribution(dr2_with_codes)
    labels = ax.get_legend_handles_labels()[1]
    codes = sorted(set(dr2_with_codes['s_code']))
    assert len(labels) == 1 + len(codes)
    group_total = sum(int(label.split('(')[1].rstrip(')')) for label in labels[1:])
    assert group_total == len(dr2_with_codes)
    with pytest.raises(ValueError, match="no 'total_flux'"):
        plot_flux_distribution(QTable({'ra': [1.0] * u.deg}))


def test_flux_size_histogram_holds_every_source(sample):
    ax = plot_flux_size(sample, colorbar=False)
    mesh = ax.collections[0]
    assert int(np.nansum(mesh.get_array())) == len(sample)
    assert ax.get_xscale() == 'log' and ax.get_yscale() == 'log'
    assert ax.lines[0].get_ydata()[0] == 6.0           # the beam line
    ax = plot_flux_size(sample, size='dc_major_fwhm', beam=None, colorbar=False)
    points = np.count_nonzero(sample['dc_major_fwhm'] > 0)      # zeros are not on a log axis
    assert int(np.nansum(ax.collections[0].get_array())) == points
    assert ax.get_ylabel() == 'deconvolved major axis FWHM (arcsec)'


def test_major_minor_splits_by_s_code(dr2_with_codes, sample):
    ax = plot_major_minor(dr2_with_codes)
    for collection, label in zip(ax.collections, ax.get_legend_handles_labels()[1]):
        code = label.split('= ')[1].split(' ')[0]
        rows = dr2_with_codes[dr2_with_codes['s_code'] == code]
        assert len(collection.get_offsets()) == len(rows)
        assert np.allclose(collection.get_offsets()[:, 0], rows['major_fwhm'].value)
    assert ax.get_title() == 'convolved with the beam'
    ax = plot_major_minor(sample, deconvolved=True, limit=30 * u.arcsec)
    assert len(ax.collections) == 1 and len(ax.collections[0].get_offsets()) == len(sample)
    assert ax.get_xlim() == (0, 30) and ax.get_xlabel().startswith('deconvolved')
    with pytest.raises(ValueError, match="no 'dc_major_fwhm'"):
        plot_major_minor(QTable({'major_fwhm': [6.0] * u.arcsec,
                                 'minor_fwhm': [6.0] * u.arcsec}), deconvolved=True)


def test_resolved_envelope_colours_match_is_unresolved(sample):
    ax = plot_resolved_envelope(sample, rms=RMS)
    flags = is_unresolved(sample, rms=RMS)
    unresolved, resolved = ax.collections[:2]
    assert len(unresolved.get_offsets()) == flags.sum()
    assert len(resolved.get_offsets()) == len(sample) - flags.sum()
    curve = ax.lines[0].get_ydata()
    assert curve.max() <= np.exp(1.5) + 1e-9 and curve.min() >= np.exp(0.42) - 1e-9
    with pytest.raises(ValueError, match='rms='):
        plot_resolved_envelope(sample)


def test_source_counts_plot_shows_the_nonempty_bins(sample):
    counts = source_counts(sample, cone_area(0.52 * u.deg))
    ax = plot_source_counts(counts, label='sample')
    line = ax.lines[0]
    shown = counts[counts['n_sources'] > 0]
    assert len(line.get_xdata()) == len(shown)
    assert np.allclose(line.get_ydata(), shown['euclidean_counts'].value)
    assert ax.get_yscale() == 'log' and 'S^{2.5}' in ax.get_ylabel()
    legend = f'sample ({len(sample)} sources over 0.849 deg$^2$)'
    assert ax.get_legend_handles_labels()[1] == [legend]
    ax = plot_source_counts(counts, euclidean=False)
    assert np.allclose(ax.lines[0].get_ydata(), shown['dn_ds'].value)
    with pytest.raises(ValueError, match='catalogue, not to a table of counts'):
        plot_source_counts(counts, area=1 * u.deg ** 2)
