"""Nonsense input is refused in one line naming the problem, never accepted silently
(issue 12 item 13): beams, complex images, bare arrays, impossible catalogue rows,
colliding ids, NaN positions."""

import warnings

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.nddata import NDData
from radio_beam import Beam

from lotss_tools import CatalogCleaner, DendroExtractor, Mosaic
from lotss_tools.cleaning import merge_catalogs
from lotss_tools.exceptions import DroppedRowsWarning, InvalidMosaicError, MissingBeamError
from lotss_tools.simulate import simulate_mosaic
from lotss_tools.training import TrainingSetBuilder


@pytest.fixture(scope='module')
def sky():
    mosaic, truth = simulate_mosaic((256, 256), seed=3)
    return mosaic, truth, DendroExtractor().extract(mosaic)


@pytest.mark.parametrize('beam, message', [
    (-6 * u.arcsec, 'major axis must be a finite positive angle'),
    (0 * u.arcsec, 'major axis must be a finite positive angle'),
    (np.nan * u.arcsec, 'major axis must be a finite positive angle'),
    (6 * u.Jy, 'major axis must be an angle (e.g. 6 arcsec)'),
    ((6 * u.arcsec, 8 * u.arcsec), 'minor axis (8 arcsec) is larger than its major axis'),
    ((8 * u.arcsec, -1 * u.arcsec), 'minor axis must be a finite positive angle'),
    ((8 * u.arcsec, 6 * u.arcsec, np.inf * u.deg), 'position angle must be a finite angle'),
])
def test_impossible_beams_are_refused(sky, beam, message):
    mosaic = sky[0]
    with pytest.raises(InvalidMosaicError, match='^mosaic: the beam') as error:
        Mosaic(mosaic.data, wcs=mosaic.wcs, unit='Jy/beam', beam=beam)
    assert message in str(error.value)


def test_good_beams_are_kept(sky):
    mosaic = sky[0]
    for beam in (6 * u.arcsec, (8, 6), (8 * u.arcsec, 6 * u.arcsec, 30 * u.deg),
                 Beam(6 * u.arcsec)):
        made = Mosaic(mosaic.data, wcs=mosaic.wcs, unit='Jy/beam', beam=beam)
        assert made.beam.major >= made.beam.minor > 0


@pytest.mark.parametrize('data, message', [
    (lambda d: d + 1j * d, 'complex numbers'),
    (lambda d: d.astype(str), 'not numbers'),
])
def test_complex_or_text_images_are_refused(sky, data, message):
    mosaic = sky[0]
    with pytest.raises(InvalidMosaicError, match=message):
        Mosaic(data(mosaic.data), wcs=mosaic.wcs, unit='Jy/beam', beam=6 * u.arcsec)


def test_extract_takes_nddata_and_explains_arrays(sky):
    mosaic, _, catalog = sky
    with pytest.raises(InvalidMosaicError, match=r'needs a lotss_tools.Mosaic .*not ndarray.*'
                                                 r'Mosaic\(data, wcs=wcs, beam='):
        DendroExtractor().extract(mosaic.data)
    with pytest.raises(MissingBeamError, match=r"no beam; put a radio_beam.Beam in its "
                                               r"meta\['beam'\]"):
        DendroExtractor().extract(NDData(mosaic.data, wcs=mosaic.wcs, unit='Jy/beam'))
    with_beam = NDData(mosaic.data, wcs=mosaic.wcs, unit='Jy/beam', meta={'beam': mosaic.beam})
    with_header = NDData(mosaic.data, wcs=mosaic.wcs, meta=mosaic.header)
    for image in (with_beam, with_header):
        again = DendroExtractor().extract(image)
        assert len(again) == len(catalog)
        assert np.allclose(again['total_flux'], catalog['total_flux'])


def test_the_cleaner_never_keeps_impossible_rows(sky):
    catalog = sky[2].copy()
    catalog['total_flux'][0] = -5 * u.mJy
    catalog['total_flux'][1] = 0 * u.mJy
    catalog['major_fwhm'][2] = np.nan * u.arcsec
    catalog['minor_fwhm'][3] = -1 * u.arcsec
    for cleaner in (CatalogCleaner(), CatalogCleaner.research_2023(),
                    CatalogCleaner.research_2024()):
        kept, rejected = cleaner.clean(catalog)
        reasons = dict(zip(rejected['id'].tolist(), rejected['reason'].tolist()))
        ids = catalog['id'][:4].tolist()
        assert [reasons.get(i) for i in ids] == ['invalid_flux', 'invalid_flux', 'invalid_size',
                                                 'invalid_size']
        assert (kept['total_flux'] > 0).all() and np.isfinite(kept['major_fwhm']).all()
        assert len(kept) + len(rejected) == len(catalog)


def test_merged_ids_are_unique(sky):
    catalog = sky[2]
    elsewhere = catalog.copy()
    elsewhere['sky_centroid'] = catalog['sky_centroid'].directional_offset_by(0 * u.deg,
                                                                             1 * u.deg)
    elsewhere['ra'] = u.Quantity(elsewhere['sky_centroid'].ra.to(u.deg))
    elsewhere['dec'] = u.Quantity(elsewhere['sky_centroid'].dec.to(u.deg))
    repeated = catalog.copy()
    repeated['id'] = 7                                   # every row has the same id
    merged, rejected = merge_catalogs([catalog, elsewhere, repeated])
    assert len(set(merged['id'])) == len(merged)
    assert not set(merged['id']) & set(rejected['id'])
    assert set(rejected['rejected_by']) <= set(merged['id'])
    assert merged['catalog_id'][merged['catalog'] == 0].tolist() == catalog['id'].tolist()
    # A merged catalogue merges again (its own catalog and catalog_id are replaced).
    again, _ = merge_catalogs([merged, merged])
    assert len(again) == len(merged) and again['catalog_id'].tolist() == merged['id'].tolist()


def test_training_says_how_many_rows_without_position(sky):
    mosaic, truth, catalog = sky
    broken = catalog.copy()
    broken['sky_centroid'] = SkyCoord(np.where(np.arange(len(broken)) < 2, np.nan,
                                               broken['ra'].to_value(u.deg)) * u.deg,
                                      broken['dec'])
    builder = TrainingSetBuilder(patch_size=64, patch_shift=48, origin_offset=0)
    with pytest.warns(DroppedRowsWarning, match=f'2 of {len(catalog)} rows of the catalogue '
                                                'have no finite position') as record:
        training_set = builder.build(mosaic, broken, truth)
    assert len(record) == 1
    reference = builder.build(mosaic, catalog, truth)
    # The other rows keep their boxes and their row numbers in the catalogue as given.
    indices = np.asarray(training_set.boxes['catalog_index'])
    expected = np.asarray(reference.boxes['catalog_index'])
    assert sorted(indices[indices >= 0]) == sorted(expected[expected > 1])
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        builder.build(mosaic, catalog, truth)               # nothing to say: no warning
