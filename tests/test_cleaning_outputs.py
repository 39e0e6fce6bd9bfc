"""Tests of the cleaning outputs: region files, the radius plot, scores on simulated mosaics."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import QTable
from astropy.wcs import WCS
from regions import EllipseSkyRegion, Regions

from lotss_tools import DendroExtractor
from lotss_tools.cleaning import (CatalogCleaner, classify_detections, cleaning_regions,
                                  cleaning_scores, write_cleaning_regions)
from lotss_tools.visualization import plot_rejection_radius
from lotss_tools.simulate import simulate_mosaic

CENTER = SkyCoord(150 * u.deg, 2 * u.deg)


@pytest.fixture
def cleaned():
    offsets = np.array([[0, 0], [0, 60], [40, 40], [0, 1], [-200, 0]], float)
    coords = CENTER.spherical_offsets_by(offsets[:, 0] * u.arcsec, offsets[:, 1] * u.arcsec)
    catalog = QTable({'id': [1, 2, 3, 4, 5], 'sky_centroid': coords,
                      'total_flux': [500, 4, 3, 2, 1] * u.mJy,
                      'major_fwhm': [6, 18, 6, 6, 7] * u.arcsec,
                      'minor_fwhm': [6, 6, 6, 6, 6] * u.arcsec, 'pa': [0, 0, 0, 0, 30] * u.deg})
    cleaner = CatalogCleaner()
    kept, rejected = cleaner.clean(catalog)
    return catalog, cleaner, kept, rejected


def test_regions_of_a_cleaning(cleaned):
    catalog, cleaner, kept, rejected = cleaned
    assert kept['id'].tolist() == [1, 3, 5]
    shapes = cleaning_regions(kept, rejected, cleaner)
    assert len(shapes) == len(catalog) + 1                 # one circle: source 1 rejected 2
    circle = shapes[-1]
    assert np.isclose(circle.radius, cleaner.rejection_radius(500 * u.mJy))
    texts = [s.meta.get('text', '') for s in shapes]
    assert texts[3:5] == ['near_bright', 'duplicate']
    assert len(cleaning_regions(kept, rejected, cleaner, circles='all')) == len(catalog) + 3
    assert len(cleaning_regions(kept, rejected, cleaner, circles='none')) == len(catalog)
    assert len(cleaning_regions(kept)) == len(kept)
    with pytest.raises(ValueError, match='circles'):
        cleaning_regions(kept, rejected, cleaner, circles='some')
    with pytest.raises(ValueError, match='rejected table'):
        cleaning_regions(kept, None, cleaner)


def test_ellipse_orientation_follows_position_angle():
    # A north-up, east-left WCS: PA 30 deg east of north is up and to the left.
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ['RA---TAN', 'DEC--TAN']
    wcs.wcs.crval = [150, 2]
    wcs.wcs.crpix = [50, 50]
    wcs.wcs.cdelt = [-1.5 / 3600, 1.5 / 3600]
    catalog = QTable({'id': [1], 'ra': [150] * u.deg, 'dec': [2] * u.deg,
                      'total_flux': [1] * u.mJy, 'major_fwhm': [30] * u.arcsec,
                      'minor_fwhm': [6] * u.arcsec, 'pa': [30] * u.deg})
    ellipse = cleaning_regions(catalog)[0]
    assert isinstance(ellipse, EllipseSkyRegion)
    pixel = ellipse.to_pixel(wcs)
    # Point at the end of the major axis, from the region's own geometry.
    tip = pixel.center.xy + 0.5 * pixel.height * np.array(
        [-np.sin(pixel.angle.to_value(u.rad)), np.cos(pixel.angle.to_value(u.rad))])
    expected = wcs.world_to_pixel(CENTER.directional_offset_by(30 * u.deg, 15 * u.arcsec))
    assert np.allclose(tip, expected, atol=0.05)


@pytest.mark.parametrize('fmt', ['ds9', 'crtf'])
def test_write_region_files(cleaned, tmp_path, fmt):
    _, cleaner, kept, rejected = cleaned
    path = write_cleaning_regions(tmp_path / f'cleaning.{fmt}', kept, rejected, cleaner,
                                  format=fmt)
    back = Regions.read(path, format=fmt)
    assert len(back) == len(kept) + len(rejected) + 1
    with pytest.raises(FileExistsError):
        write_cleaning_regions(path, kept, rejected, cleaner, format=fmt)
    write_cleaning_regions(path, kept, format=fmt, overwrite=True)
    assert len(Regions.read(path, format=fmt)) == len(kept)
    with pytest.raises(ValueError, match='format'):
        write_cleaning_regions(tmp_path / 'x.reg', kept, format='svg')
    assert [p.name for p in tmp_path.iterdir()] == [f'cleaning.{fmt}']   # no temporary left


def test_plot_rejection_radius(cleaned):
    catalog, cleaner, kept, rejected = cleaned
    ax = plot_rejection_radius(label='2023')
    plot_rejection_radius(cleaner, ax, catalog=catalog, rejected=rejected, label='default')
    assert len(ax.lines) == 2 and ax.get_yscale() == 'log'
    x, y = ax.lines[1].get_data()
    assert np.allclose(np.interp(500, x, y), cleaner.rejection_radius(500 * u.mJy).value,
                       rtol=1e-2)
    points = ax.collections[0].get_offsets()
    assert np.allclose(points, [[500, 60]], rtol=1e-3)     # source 2: 60 arcsec from source 1
    plt.close('all')


def test_default_cleaner_on_a_simulated_mosaic():
    mosaic, truth = simulate_mosaic((1536, 1536), seed=21)
    # The leaves of the moment measurement keep the artifacts as detections of their own
    # (30 here); the Gaussian default makes most of them components of their bright
    # source (5 remain), too few to score the cleaner on.
    catalog = DendroExtractor(measurement='moments').extract(mosaic)
    is_true, on_artifact = classify_detections(catalog, truth)
    assert on_artifact.sum() >= 10 and is_true.sum() >= 200
    scores = {}
    for name, cleaner in (('default', CatalogCleaner()),
                          ('2023', CatalogCleaner.research_2023())):
        kept, rejected = cleaner.clean(catalog)
        scores[name] = cleaning_scores(catalog, rejected, truth)
        assert len(kept) + len(rejected) == len(catalog)
    assert scores['default'].artifact_rejected >= 0.85
    assert scores['default'].true_rejected <= 0.015
    assert scores['default'].artifact_rejected > scores['2023'].artifact_rejected
    assert scores['default'].n_true == scores['2023'].n_true
