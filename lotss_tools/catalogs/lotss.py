"""LoTSS DR2 sources from VizieR, ready to compare with an extracted catalogue."""

from pathlib import Path

from astropy.utils.data import get_pkg_data_path

from .columns import LOTSS_DR2
from .vizier import query_vizier

__all__ = ['get_lotss_dr2', 'sample_catalog_path']


def sample_catalog_path():
    """Path of the LoTSS DR2 sample shipped with the package (a pinned catalogue).

    1,348 real DR2 sources within 0.5 deg of RA 200.02 deg, Dec +44.99 deg,
    read from the sky model in the public test resources of the LOFAR Local
    Sky Model Tool with `~lotss_tools.catalogs.read_skymodel`. It has the
    package's columns and a provenance with its SHA-256; ``island_rms``, the
    errors, ``s_code`` and ``mosaic_id`` are not in a sky model and are
    empty. Use it for offline examples and tests, not for science.

    Examples
    --------
    >>> from lotss_tools.catalogs import load_catalog, sample_catalog_path
    >>> len(load_catalog(sample_catalog_path()))
    1348
    """
    return Path(get_pkg_data_path('data', 'lotss-dr2-sample.ecsv', package='lotss_tools'))


def get_lotss_dr2(target, radius=None, *, cache=True, refresh=False, timeout=None, pinned=None):
    """LoTSS DR2 sources (VizieR ``J/A+A/659/A1/catalog``) in a cone or a mosaic.

    Parameters
    ----------
    target : `~astropy.coordinates.SkyCoord` or `~lotss_tools.Mosaic`
        A position (with ``radius``), or a mosaic: the circle around its
        footprint is queried and only sources on its finite pixels are kept.
    radius : `~astropy.units.Quantity`, optional
        Cone radius, with a SkyCoord target.
    cache : bool
        Use and fill the on-disk cache (``lotss_tools.conf.conf.cache_dir``);
        an entry is used only if its provenance and checksum verify, otherwise
        it is fetched again with a `~lotss_tools.exceptions.CacheWarning`.
    refresh : bool
        Query VizieR again even when the cache has the answer.
    timeout : float, optional
        Seconds allowed for the whole request, by the wall clock (default
        ``conf.timeout``, 60 s).
    pinned : str or `os.PathLike`, optional
        A catalogue file to use instead of the network (ECSV, FITS or
        VOTable, with VizieR labels, the release's names such as
        ``Total_flux``, or the package's names). It is not labelled LoTSS
        DR2: the provenance says it was supplied by the user (path, file
        SHA-256) and carries the file's own provenance only if that
        verifies; a file whose provenance does not verify is an error.

    Returns
    -------
    catalog : `~astropy.table.QTable`
        One row per DR2 source, sorted by RA, with columns ``source_name``,
        ``ra``, ``dec`` (deg), ``sky_centroid``, ``total_flux`` (mJy),
        ``peak_flux`` (mJy/beam), ``major_fwhm``, ``minor_fwhm`` (arcsec,
        including the beam, like `~lotss_tools.DendroExtractor` output),
        ``dc_major_fwhm``, ``dc_minor_fwhm`` (deconvolved), ``pa`` (deg east
        of north), ``island_rms`` (mJy/beam), ``s_code``, ``mosaic_id`` and
        the errors ``ra_err``, ``dec_err``, ``total_flux_err``,
        ``peak_flux_err``, ``major_fwhm_err``, ``minor_fwhm_err``,
        ``pa_err``. ``meta['provenance']`` records the query and the
        SHA-256 of the content. An empty region gives an empty table with
        these columns.

    Raises
    ------
    lotss_tools.catalogs.VizierError
        VizieR unreachable, slower than ``timeout``, answering an error or
        another table (the message names the catalogue, the server, the
        cause and any verified cached result).
    lotss_tools.catalogs.CatalogIntegrityError
        A pinned file cannot be read or fails its checksum.

    Examples
    --------
    A pinned file needs no network (here the sample shipped with the
    package, which was made from a LOFAR sky model, not downloaded):

    >>> import astropy.units as u
    >>> from astropy.coordinates import SkyCoord
    >>> from lotss_tools.catalogs import get_lotss_dr2, sample_catalog_path
    >>> dr2 = get_lotss_dr2(SkyCoord(200.0, 45.0, unit='deg'), 3 * u.arcmin,
    ...                     pinned=sample_catalog_path())
    >>> len(dr2), dr2['total_flux'].unit
    (13, Unit("mJy"))
    >>> dr2.meta['provenance']['source'], dr2.meta['provenance']['provenance_verified']
    ('user-supplied file', True)
    """
    return query_vizier(LOTSS_DR2, target, radius, cache=cache, refresh=refresh,
                        timeout=timeout, pinned=pinned)
