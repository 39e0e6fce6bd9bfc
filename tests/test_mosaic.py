"""Tests of lotss_tools.Mosaic on the real LoTSS cutout and on bad input."""

import os

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import QTable
from radio_beam import Beam

from lotss_tools import InvalidMosaicError, MissingBeamError, Mosaic
from lotss_tools.datasets import get_path


REAL_MOSAIC = get_path('lotss-cutout')
REAL_SOURCES = get_path('lotss-dr1-sources')


@pytest.fixture(scope='module')
def real():
    return Mosaic.read(REAL_MOSAIC)


@pytest.fixture
def real_header():
    return fits.getheader(REAL_MOSAIC)


@pytest.fixture
def real_data():
    return fits.getdata(REAL_MOSAIC)


def write(tmp_path, data, header, name='image.fits'):
    path = tmp_path / name
    fits.PrimaryHDU(data=data, header=header).writeto(path)
    return path


# ---------------------------------------------------------------- real data
def test_read_real_mosaic(real, real_header):
    assert real.shape == (200, 200)
    assert real.unit == u.Jy / u.beam
    assert real.name == 'P218+55'
    assert u.isclose(real.beam.major, real_header['BMAJ'] * u.deg)
    assert u.isclose(real.beam.minor, real_header['BMIN'] * u.deg)
    assert u.isclose(real.beam.pa, real_header['BPA'] * u.deg)
    assert u.isclose(real.pixel_scale, abs(real_header['CDELT1']) * u.deg.to(u.arcsec) * u.arcsec / u.pix)
    assert u.isclose(real.pixel_scale, 1.5 * u.arcsec / u.pix)
    # A 6 arcsec Gaussian beam covers pi / (4 ln 2) * 4 * 4 = 18.13 pixels of 1.5 arcsec.
    assert u.isclose(real.beam_area, np.pi / (4 * np.log(2)) * 16 * u.pix ** 2)
    assert u.isclose(real.frequency, 143.65 * u.MHz)
    assert real.footprint.all()
    assert real.data.dtype.isnative


def test_real_rms_matches_dr1_island_rms(real):
    """The sigma-clipped rms agrees with what PyBDSF measured for the field."""
    isl_rms = QTable.read(REAL_SOURCES)['Isl_rms']
    rms = real.global_rms()
    ratio = (rms / np.median(isl_rms)).decompose()
    assert 0.9 < ratio < 1.1
    local = real.rms_map(box_size=10)
    ratio_local = (np.nanmedian(local) / np.median(isl_rms)).decompose()
    assert 0.85 < ratio_local < 1.15


def test_cutout_keeps_wcs(real):
    centre = SkyCoord(218.58 * u.deg, 54.97 * u.deg)
    cut = real.cutout(centre, 2 * u.arcmin)
    assert cut.shape == (80, 80)
    x0, y0 = cut.meta['CUTX0'], cut.meta['CUTY0']
    # The same pixel seen from the cutout and from the parent is the same sky position.
    assert cut.wcs.pixel_to_world(0, 0).separation(real.wcs.pixel_to_world(x0, y0)) < 1e-6 * u.arcsec
    np.testing.assert_array_equal(cut.data, real.data[y0:y0 + 80, x0:x0 + 80])
    assert cut.beam == real.beam
    # A cutout of a cutout still knows its origin in the first parent.
    inner = cut.cutout((40, 40), 20)
    np.testing.assert_array_equal(inner.data, real.data[inner.meta['CUTY0']:inner.meta['CUTY0'] + 20,
                                                        inner.meta['CUTX0']:inner.meta['CUTX0'] + 20])


def test_cutout_partial_pads_with_nan(real):
    cut = real.cutout((0, 0), 20, mode='partial')
    assert cut.shape == (20, 20)
    assert np.isnan(cut.data[0, 0])
    assert not cut.footprint[0, 0]
    assert cut.footprint[-1, -1]


def test_write_read_round_trip(real, tmp_path):
    path = real.write(tmp_path / 'out' / 'copy.fits')
    again = Mosaic.read(path)
    np.testing.assert_array_equal(again.data, real.data)
    assert again.beam == real.beam
    assert again.unit == real.unit
    assert u.isclose(again.frequency, real.frequency)
    assert again.wcs.pixel_to_world(10, 20).separation(real.wcs.pixel_to_world(10, 20)) < 1e-6 * u.arcsec
    assert fits.getheader(path)['BUNIT'] == 'JY/BEAM'
    assert fits.getheader(path)['TELESCOP'] == 'LOFAR'
    # No temporary file is left behind, and an existing file is not replaced silently.
    assert sorted(os.listdir(path.parent)) == ['copy.fits']
    with pytest.raises(FileExistsError, match='overwrite=True'):
        real.write(path)
    real.write(path, overwrite=True)


def test_fill_holes(real):
    data = real.data.copy()
    data[50:60, 50:60] = np.nan
    holed = Mosaic(data, wcs=real.wcs, unit=real.unit, beam=real.beam)
    assert holed.footprint.sum() == 200 * 200 - 100
    for method in ('median', 'mean', 'noise'):
        filled = holed.fill_holes(method, seed=1)
        assert np.isfinite(filled.data).all()
        # Filled pixels are marked invalid: the footprint does not grow.
        np.testing.assert_array_equal(filled.footprint, holed.footprint)
        np.testing.assert_array_equal(filled.mask, ~holed.footprint)
        np.testing.assert_array_equal(filled.data[holed.footprint], data[holed.footprint])
    median = holed.fill_holes('median')
    assert np.all(median.data[55, 55] == np.nanmedian(data))
    noise = holed.fill_holes('noise', seed=3).data[50:60, 50:60]
    assert 0.5 < np.std(noise) / real.global_rms().value < 1.5
    np.testing.assert_array_equal(noise, holed.fill_holes('noise', seed=3).data[50:60, 50:60])
    with pytest.raises(ValueError, match='method must be'):
        holed.fill_holes('zero')


def test_plot_smoke(real, tmp_path):
    import matplotlib
    matplotlib.use('Agg')
    ax = real.plot(catalog=QTable.read(REAL_SOURCES), catalog_label='DR1')
    out = tmp_path / 'mosaic.png'
    ax.figure.savefig(out)
    assert out.stat().st_size > 10_000
    assert len(ax.collections) == 1  # the catalogue markers
    assert len(ax.collections[0].get_offsets()) == len(QTable.read(REAL_SOURCES))


def test_repr(real):
    assert 'P218+55' in repr(real) and 'shape=(200, 200)' in repr(real)
    assert str(real) == repr(real)


# -------------------------------------------------------- other layouts
def test_read_four_dimensional_cube(tmp_path, real_header, real_data):
    header = real_header.copy()
    header['NAXIS'] = 4
    header['CTYPE3'], header['CRVAL3'], header['CDELT3'], header['CRPIX3'] = 'FREQ', 1.44e8, 4.8e7, 1
    header['CTYPE4'], header['CRVAL4'], header['CDELT4'], header['CRPIX4'] = 'STOKES', 1, 1, 1
    del header['RESTFRQ']
    path = write(tmp_path, real_data[np.newaxis, np.newaxis], header)
    mosaic = Mosaic.read(path)
    assert mosaic.shape == (200, 200)
    assert mosaic.wcs.naxis == 2
    np.testing.assert_array_equal(mosaic.data, real_data)
    assert u.isclose(mosaic.frequency, 144 * u.MHz)


def test_two_dimensional_image_keeping_frequency_and_stokes_keywords(tmp_path, real_header, real_data):
    # Cutout2D and many pipelines write NAXIS = 2 but keep the FREQ and STOKES
    # axis keywords of the 4-D cube (CTYPE3/CTYPE4...); astropy, PyBDSF and DS9 read them.
    header = real_header.copy()
    header['CTYPE3'], header['CRVAL3'], header['CDELT3'], header['CRPIX3'] = 'FREQ', 1.44e8, 4.8e7, 1
    header['CTYPE4'], header['CRVAL4'], header['CDELT4'], header['CRPIX4'] = 'STOKES', 1, 1, 1
    del header['RESTFRQ'], header['WCSAXES']
    path = write(tmp_path, real_data, header)
    mosaic = Mosaic.read(path)
    assert mosaic.shape == (200, 200) and mosaic.wcs.naxis == 2
    assert u.isclose(mosaic.frequency, 144 * u.MHz)
    reference = Mosaic.read(REAL_MOSAIC)
    assert mosaic.center.separation(reference.center) < 1e-6 * u.arcsec
    # A celestial axis that is not one of the two image axes is still refused.
    header['CTYPE2'], header['CTYPE3'] = 'FREQ', 'DEC--SIN'
    header['CRVAL2'], header['CRVAL3'] = 1.44e8, real_header['CRVAL2']
    header['CUNIT2'], header['CUNIT3'], header['CDELT3'] = 'Hz', 'deg', real_header['CDELT2']
    with pytest.raises(InvalidMosaicError, match='celestial axes'):
        Mosaic.read(write(tmp_path, real_data, header, name='swapped.fits'))


def test_read_hdu_and_hdulist(real_header, real_data):
    hdu = fits.PrimaryHDU(real_data, real_header)
    assert Mosaic.read(hdu).shape == (200, 200)
    hdulist = fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(real_data, real_header)])
    assert Mosaic.read(hdulist).shape == (200, 200)  # the first HDU holding an image


def test_big_endian_float32_is_native(tmp_path, real_header, real_data):
    path = write(tmp_path, real_data.astype('>f4'), real_header)
    mosaic = Mosaic.read(path)
    assert mosaic.data.dtype == np.float32 and mosaic.data.dtype.isnative


def test_mjy_per_beam_unit(tmp_path, real_header, real_data):
    header = real_header.copy()
    header['BUNIT'] = 'mJy/beam'
    mosaic = Mosaic.read(write(tmp_path, real_data * 1e3, header))
    assert mosaic.unit == u.mJy / u.beam
    assert u.isclose(mosaic.global_rms(), Mosaic.read(REAL_MOSAIC).global_rms(), rtol=1e-6)


def test_beam_override(tmp_path, real_header, real_data):
    for key in ('BMAJ', 'BMIN', 'BPA'):
        del real_header[key]
    path = write(tmp_path, real_data, real_header)
    with pytest.raises(MissingBeamError, match=r'image.fits.*BMAJ/BMIN.*beam='):
        Mosaic.read(path)
    assert Mosaic.read(path, beam=6 * u.arcsec).beam.major == 6 * u.arcsec
    beam = Beam(major=8 * u.arcsec, minor=5 * u.arcsec, pa=30 * u.deg)
    assert Mosaic.read(path, beam=beam).beam == beam
    assert Mosaic.read(path, beam=(8, 5, 30)).beam.minor == 5 * u.arcsec


# --------------------------------------------------------------- bad input
def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.fits'):
        Mosaic.read(tmp_path / 'nothere.fits')


def test_not_fits(tmp_path):
    path = tmp_path / 'notes.fits'
    path.write_text('this is not a FITS file\n' * 100)
    with pytest.raises(InvalidMosaicError, match='notes.fits.*not a readable FITS'):
        Mosaic.read(path)


def test_truncated_fits(tmp_path, real_header, real_data):
    path = write(tmp_path, real_data, real_header)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(InvalidMosaicError, match='image.fits'):
        Mosaic.read(path)


def test_folder(tmp_path):
    with pytest.raises(InvalidMosaicError, match='folder'):
        Mosaic.read(tmp_path)


def test_no_image_data(tmp_path):
    path = tmp_path / 'table.fits'
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(
        [fits.Column(name='a', format='E', array=np.arange(3.0))])]).writeto(path)
    with pytest.raises(InvalidMosaicError, match='no image data'):
        Mosaic.read(path)


def test_no_celestial_wcs(tmp_path, real_data):
    header = fits.Header({'CTYPE1': 'LINEAR', 'CTYPE2': 'LINEAR', 'BMAJ': 1.0, 'BMIN': 1.0,
                          'BUNIT': 'JY/BEAM'})
    with pytest.raises(InvalidMosaicError, match='celestial'):
        Mosaic.read(write(tmp_path, real_data, header))


def test_all_nan(tmp_path, real_header):
    with pytest.raises(InvalidMosaicError, match='image.fits.*NaN'):
        Mosaic.read(write(tmp_path, np.full((50, 50), np.nan, np.float32), real_header))


@pytest.mark.parametrize('bunit', ['K', 'JY/PIXEL', 'counts'])
def test_wrong_unit(tmp_path, real_header, real_data, bunit):
    real_header['BUNIT'] = bunit
    with pytest.raises(InvalidMosaicError, match='Jy/beam|BUNIT'):
        Mosaic.read(write(tmp_path, real_data, real_header))


def test_missing_unit_and_override(tmp_path, real_header, real_data):
    del real_header['BUNIT']
    path = write(tmp_path, real_data, real_header)
    with pytest.raises(InvalidMosaicError, match='no BUNIT.*unit="Jy/beam"'):
        Mosaic.read(path)
    assert Mosaic.read(path, unit='Jy/beam').unit == u.Jy / u.beam


def test_non_degenerate_cube(tmp_path, real_header, real_data):
    header = real_header.copy()
    header['CTYPE3'], header['CRVAL3'], header['CDELT3'], header['CRPIX3'] = 'FREQ', 1.44e8, 4.8e7, 1
    path = write(tmp_path, np.stack([real_data, real_data]), header)
    with pytest.raises(InvalidMosaicError, match=r'shape \(2, 200, 200\)'):
        Mosaic.read(path)


def test_non_square_pixels(tmp_path, real_header, real_data):
    real_header['CDELT2'] = 2 * real_header['CDELT2']
    with pytest.raises(InvalidMosaicError, match='image.fits.*non-square pixels'):
        Mosaic.read(write(tmp_path, real_data, real_header))


def test_non_square_image(tmp_path, real_header, real_data):
    mosaic = Mosaic.read(write(tmp_path, real_data[:, :120], real_header))
    assert mosaic.shape == (200, 120)
    assert mosaic.center.separation(mosaic.wcs.pixel_to_world(59.5, 99.5)) < 1e-6 * u.arcsec


def test_constructor_errors(real):
    with pytest.raises(InvalidMosaicError, match='no WCS'):
        Mosaic(real.data, unit='Jy/beam', beam=real.beam)
    with pytest.raises(TypeError, match='beam must be'):
        Mosaic(real.data, wcs=real.wcs, unit='Jy/beam', beam='six arcsec')
    with pytest.raises(InvalidMosaicError, match='mask shape'):
        Mosaic(real.data, wcs=real.wcs, unit='Jy/beam', beam=real.beam, mask=np.zeros((3, 3), bool))
    with pytest.raises(InvalidMosaicError, match='not Jy/beam'):
        Mosaic(real.data, wcs=real.wcs, unit='Jy', beam=real.beam)
