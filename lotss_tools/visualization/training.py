"""Plot of a training patch with its target boxes."""

import numpy as np

__all__ = ['plot_training_patch']

#: Box colour of each confidence label.
LABEL_COLOURS = {'both': 'lime', 'catalog_only': 'deepskyblue', 'reference_only': 'magenta',
                 'unverified': 'cyan'}


def plot_training_patch(training_set, index, ax=None, *, boxes=True, cmap='inferno'):
    """Show patch ``index`` of a training set with its boxes, coloured by confidence label.

    Parameters
    ----------
    training_set : `~lotss_tools.training.TrainingSet`
    index : int
    ax : `matplotlib.axes.Axes`, optional
    boxes : bool
        Draw the target boxes (both: lime; catalogue only: blue;
        reference only: magenta; unverified: cyan).
    cmap : str

    Returns
    -------
    ax : `matplotlib.axes.Axes`
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle
    if ax is None:
        ax = plt.figure().add_subplot()
    patches = training_set.patches
    upper = float(np.nanmax(patches)) if patches.size else 1.0
    ax.imshow(patches[index], origin='lower', cmap=cmap, vmin=0, vmax=upper or 1.0)
    if boxes:
        for row in training_set.boxes_of(index):
            ax.add_patch(Rectangle((row['xmin'], row['ymin']), row['xmax'] - row['xmin'],
                                   row['ymax'] - row['ymin'], fill=False, lw=1.0,
                                   edgecolor=LABEL_COLOURS.get(str(row['label']), 'white')))
    info = training_set.patch_table[index]
    ax.set_title(f'patch {index} (row {info["row"]}, col {info["col"]})', fontsize='small')
    return ax
