"""The LOFAR stations that LoTSS observes with: 48 core (split HBA) and 14 remote fields.

LoTSS observes in the ``HBA_DUAL_INNER`` mode: each of the 24 Dutch core
stations is split into two 24-tile fields (``HBA0``, ``HBA1``) and each of
the 14 Dutch remote stations uses its inner 24 tiles, so all 62 fields have
the same collecting area (Shimwell et al. 2017, A&A 598, A104). The
positions below are the ETRS89 (ITRF-like) phase centres of those fields,
in metres, rounded to 0.1 m, copied from the ``etrs-phase-centres.csv``
table of the ``lofarantpos`` package (version 0.8, Apache-2.0 licence,
data from the LOFAR station calibration tables). The core spans about
3.5 km; the remote stations reach about 60 km from it (baselines up to
about 120 km).
"""

import numpy as np
from astropy import units as u
from astropy.coordinates import EarthLocation
from astropy.table import QTable

from ..exceptions import InvalidParameterError

__all__ = ['LOFAR_HBA_FIELDS', 'lofar_stations']

#: ``(name, x, y, z)``: ETRS89 positions (m) of the 62 Dutch HBA fields of LoTSS.
LOFAR_HBA_FIELDS = (
    ('CS001HBA0', 3826896.6, 460979.1, 5064657.9),
    ('CS001HBA1', 3826979.8, 460897.3, 5064602.9),
    ('CS002HBA0', 3826601.4, 460953.1, 5064880.9),
    ('CS002HBA1', 3826566.0, 460957.8, 5064907.0),
    ('CS003HBA0', 3826471.7, 460999.8, 5064973.9),
    ('CS003HBA1', 3826518.2, 461034.9, 5064935.9),
    ('CS004HBA0', 3826586.0, 460865.5, 5064900.3),
    ('CS004HBA1', 3826579.9, 460917.2, 5064900.2),
    ('CS005HBA0', 3826701.6, 460988.9, 5064802.4),
    ('CS005HBA1', 3826631.6, 461021.5, 5064852.0),
    ('CS006HBA0', 3826654.2, 461136.1, 5064824.7),
    ('CS006HBA1', 3826612.9, 461080.0, 5064860.7),
    ('CS007HBA0', 3826479.1, 461083.4, 5064960.9),
    ('CS007HBA1', 3826538.4, 461169.4, 5064908.6),
    ('CS011HBA0', 3826637.8, 461227.0, 5064828.9),
    ('CS011HBA1', 3826649.4, 461353.9, 5064808.7),
    ('CS013HBA0', 3826319.4, 460855.8, 5065101.6),
    ('CS013HBA1', 3826402.5, 460773.9, 5065046.6),
    ('CS017HBA0', 3826405.5, 461507.1, 5064977.8),
    ('CS017HBA1', 3826500.2, 461552.2, 5064902.7),
    ('CS021HBA0', 3826463.9, 460532.8, 5065022.4),
    ('CS021HBA1', 3826369.2, 460487.7, 5065097.5),
    ('CS024HBA0', 3827218.6, 461403.6, 5064378.5),
    ('CS024HBA1', 3827123.9, 461358.5, 5064453.7),
    ('CS026HBA0', 3826418.6, 461805.5, 5064940.9),
    ('CS026HBA1', 3826335.5, 461887.4, 5064996.0),
    ('CS028HBA0', 3825573.5, 461324.3, 5065618.8),
    ('CS028HBA1', 3825656.7, 461242.4, 5065563.8),
    ('CS030HBA0', 3826042.0, 460323.0, 5065357.4),
    ('CS030HBA1', 3825958.8, 460404.9, 5065412.4),
    ('CS031HBA0', 3826383.4, 460279.0, 5065105.6),
    ('CS031HBA1', 3826478.1, 460324.1, 5065030.4),
    ('CS032HBA0', 3826864.7, 460451.6, 5064729.7),
    ('CS032HBA1', 3826947.8, 460369.7, 5064674.7),
    ('CS101HBA0', 3825900.3, 461698.6, 5065339.0),
    ('CS101HBA1', 3825805.6, 461653.6, 5065414.1),
    ('CS103HBA0', 3826332.0, 462758.8, 5064919.4),
    ('CS103HBA1', 3826248.8, 462840.6, 5064974.4),
    ('RS106HBA', 3829206.0, 469142.2, 5062180.7),
    ('CS201HBA0', 3826679.7, 461854.9, 5064741.1),
    ('CS201HBA1', 3826691.2, 461981.8, 5064721.0),
    ('RS205HBA', 3831480.1, 463487.2, 5060989.6),
    ('RS208HBA', 3847753.7, 466962.5, 5048397.0),
    ('RS210HBA', 3877828.0, 467536.3, 5025445.3),
    ('CS301HBA0', 3827442.9, 461050.5, 5064242.1),
    ('CS301HBA1', 3827431.4, 460923.6, 5064262.3),
    ('CS302HBA0', 3827973.6, 459728.3, 5063975.0),
    ('CS302HBA1', 3827890.5, 459810.2, 5064030.1),
    ('RS305HBA', 3828733.1, 454692.1, 5063850.1),
    ('RS306HBA', 3829771.6, 452761.4, 5063242.9),
    ('RS307HBA', 3837964.9, 449626.9, 5057357.3),
    ('RS310HBA', 3845376.7, 413616.2, 5054796.1),
    ('CS401HBA0', 3826796.1, 460158.6, 5064808.7),
    ('CS401HBA1', 3826784.6, 460031.7, 5064828.8),
    ('RS406HBA', 3818425.3, 452019.9, 5071817.4),
    ('RS407HBA', 3811649.9, 453459.6, 5076728.7),
    ('RS409HBA', 3824813.0, 426130.0, 5069251.5),
    ('CS501HBA0', 3825569.2, 460647.3, 5065682.8),
    ('CS501HBA1', 3825663.9, 460692.3, 5065607.6),
    ('RS503HBA', 3824139.0, 459476.6, 5066858.3),
    ('RS508HBA', 3797136.9, 463114.1, 5086651.0),
    ('RS509HBA', 3783537.9, 450129.7, 5097865.9),
)


def lofar_stations(*, core=True, remote=True):
    """The LOFAR HBA fields (stations) used by LoTSS, with their positions.

    Parameters
    ----------
    core, remote : bool
        Include the 48 core fields (two per core station, within about
        3.5 km) and the 14 remote stations (out to about 60 km from the core).

    Returns
    -------
    stations : `~astropy.table.QTable`
        One row per field:

        ``name``
            Field name, e.g. ``CS002HBA0`` or ``RS509HBA``.
        ``kind``
            ``'core'`` or ``'remote'``.
        ``x``, ``y``, ``z`` (m)
            Geocentric (ETRS89 / ITRF) position.
        ``east``, ``north``, ``up`` (m)
            Position relative to the mean position of the core fields, in the
            local horizontal frame there.

        ``meta['location']`` is that centre as an
        `~astropy.coordinates.EarthLocation`.

    Raises
    ------
    ValueError
        If both ``core`` and ``remote`` are False.

    Examples
    --------
    >>> from lotss_tools.validation import lofar_stations
    >>> stations = lofar_stations()
    >>> len(stations), int((stations['kind'] == 'core').sum())
    (62, 48)
    >>> round(float(stations['north'].max().to_value('km')))
    55
    """
    if not (core or remote):
        raise InvalidParameterError('lofar_stations: choose core or remote stations (or both).')
    names = np.array([row[0] for row in LOFAR_HBA_FIELDS])
    xyz = np.array([row[1:] for row in LOFAR_HBA_FIELDS], float)
    is_core = np.char.startswith(names, 'CS')
    centre = xyz[is_core].mean(axis=0)
    location = EarthLocation.from_geocentric(*centre, unit=u.m)
    lon, lat = location.lon.rad, location.lat.rad
    east_axis = np.array([-np.sin(lon), np.cos(lon), 0.0])
    north_axis = np.array([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)])
    up_axis = np.cross(east_axis, north_axis)
    offset = xyz - centre
    keep = (is_core & core) | (~is_core & remote)
    table = QTable([names, np.where(is_core, 'core', 'remote'),
                    xyz[:, 0] * u.m, xyz[:, 1] * u.m, xyz[:, 2] * u.m,
                    offset @ east_axis * u.m, offset @ north_axis * u.m, offset @ up_axis * u.m],
                   names=['name', 'kind', 'x', 'y', 'z', 'east', 'north', 'up'])[keep]
    descriptions = {'name': 'HBA field name', 'kind': 'core or remote station',
                    'x': 'ETRS89 geocentric X', 'y': 'ETRS89 geocentric Y',
                    'z': 'ETRS89 geocentric Z', 'east': 'east of the core centre',
                    'north': 'north of the core centre', 'up': 'above the core centre'}
    for name, text in descriptions.items():
        table[name].info.description = text
    table.meta['location'] = location
    return table
