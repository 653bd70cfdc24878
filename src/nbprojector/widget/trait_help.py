"""What the widget's traits mean: their ``help`` texts (``Projector.class_traits()[name].help``),
kept here so that the class body reads as the list of its traits."""

from __future__ import annotations

HELP: dict[str, str] = {
    # Small JSON: panel contents (written by Python).
    "projection": "Method, parameters and facts of the layout shown",
    "progress": "What is running: {state, message, ...}",
    "comparison": "The last comparison asked for in the data panel (compare_embeddings): a, "
    "b, k, the mean change and the most changed points with their neighbours in a and in b",
    "compare_embeddings": "[a, b]: compare these two embeddings' neighbours (the data panel)",
    "encoders": "The embeddings that have an encoder (search by meaning)",
    "find": "The last search by meaning: {state, message, query, marker...}",
    "isolated_count": "How many points are isolated (the inspector's Isolate), or None when "
    "nothing is; points not placed yet by the layout shown are hidden but not isolated",
    "methods": "Projection methods offered, why not, and their parameters' ranges",
    "edits": "The table's edits: {undo, redo (steps available), next_undo, next_redo, "
    "editable (the columns that take annotations)}",
    "clustering": "The last clustering: {state, message, names: [{id, name, size, anchor}]}; "
    "each name is drawn at its anchor point",
    "bookmarks": "One summary per bookmark, in order",
    "image_manifest": "How the atlases are laid out: image i is in atlas i // per_atlas, at "
    "column (i % per_atlas) % columns and row (i % per_atlas) // columns of `cell` pixels; "
    "empty without images. See thumbnails.Atlases.",
    # View options (written by both sides).
    "embedding": "The embedding shown, by name",
    "label_by": "Metadata column shown as labels",
    "color_by": "Metadata column that colours the points ('' for none)",
    "colormap": "Continuous colour map for numeric columns and computed scores: a colorcet "
    "name ('bgy', 'fire', 'kbc', ...; colorcet.palette) or, with matplotlib installed, one of "
    "its colormaps ('viridis', 'magma', ...)",
    "colormaps": "The colour maps the data panel's menu offers",
    "point_size": "Point size in CSS pixels",
    "label_size": "Label font size in CSS pixels",
    "height": "Widget height in pixels",
    "camera": "Camera position, target and zoom; empty means fit",
    "theme": "'auto' follows the notebook",
    "spherize": "Compute neighbour distances in the spherized space (centred on the mean, "
    "every vector scaled to unit norm) instead of the original one. Off unless turned on.",
    "metric": "Distance between vectors for the inspector's neighbour lists, the layout "
    "fidelity colours and the point card, and the data panel's comparison (the inspector's "
    "Distance menu). Changing it recomputes what is shown.",
    "fidelity_k": "Neighbours compared by the layout fidelity colours and the point card "
    "(the number beside Colour by); at least 1, at most the other points",
    "compare_k": "Neighbours compared by the data panel's comparison (the number beside "
    "Compare); at least 1, at most the other points",
    "align_embeddings": "Keep the map still when switching embeddings: PCA and custom "
    "layouts are rotated, mirrored and scaled (orthogonal Procrustes) onto the layout of the "
    "embedding shown before; t-SNE and UMAP start from it. The projection record's "
    "'aligned_to' names it. Turning it off or on recomputes the layouts as they are shown.",
    "all_labels": "Label every point shown that fits without overlapping another label",
    "show_images": "Draw each point as its image (True) or as a dot (False)",
    "image_size": "Drawn size of an image's longest side, in CSS pixels",
    "max_texture_size": "Largest atlas side in pixels. The page lowers it to its WebGL "
    "MAX_TEXTURE_SIZE when that is smaller; lower it yourself to test several atlases. "
    "Thumbnails that do not fit in one atlas go to more atlases; only a single thumbnail "
    "larger than this is downscaled (aspect kept, said in image_manifest['downscaled']).",
}
