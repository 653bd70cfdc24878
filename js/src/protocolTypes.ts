// The page <-> Python protocol's types, generated from src/nbprojector/protocol.py,
// protocol_types.py and trait_types.py by scripts/protocol_ts.py: do not edit; change those
// and run it again.

export const KINDS = ["project", "cancel", "pause", "resume", "row", "labels", "count", "search", "neighbors", "isolate", "show_points", "bookmark", "snapshot", "atlas", "fidelity_point", "find", "cluster", "annotate", "edit"] as const;
export type Kind = (typeof KINDS)[number];

/** What the page sends with each kind of request. */
export interface Payloads {
  /** run a projection and show it */
  project: ProjectPayload;
  /** stop the running projection */
  cancel: CancelPayload;
  /** pause the running projection */
  pause: EmptyPayload;
  /** resume the paused projection */
  resume: EmptyPayload;
  /** one point's metadata row */
  row: RowPayload;
  /** the first frame is drawn: send the labels */
  labels: EmptyPayload;
  /** how many of all points a query matches */
  count: CountPayload;
  /** select the shown points a query matches */
  search: SearchPayload;
  /** a point's nearest neighbours, nearest first */
  neighbors: NeighborsPayload;
  /** show only some points, or all again */
  isolate: IsolatePayload;
  /** draw these points (swapped in within the draw budget) */
  show_points: EmptyPayload;
  /** the bookmarks panel's actions */
  bookmark: BookmarkPayload;
  /** the PNG the snapshot command asked for */
  snapshot: SnapshotPayload;
  /** rebuild the image atlases for a texture limit */
  atlas: AtlasPayload;
  /** how well the map shown keeps one point's nearest neighbours */
  fidelity_point: FidelityPointPayload;
  /** search by meaning with the embedding's encoder */
  find: FindPayload;
  /** cluster the points shown and name them */
  cluster: ClusterPayload;
  /** label the selected points in a column */
  annotate: AnnotatePayload;
  /** undo or redo the last edit of the metadata */
  edit: EditPayload;
}

/** What Python answers to each kind of request. */
export interface Results {
  project: ProjectResult;
  cancel: JobStateResult;
  pause: JobStateResult;
  resume: JobStateResult;
  row: RowResult;
  labels: EmptyResult;
  count: CountResult;
  search: SearchResult;
  neighbors: NeighborsResult;
  isolate: IsolateResult;
  show_points: ShowPointsResult;
  bookmark: BookmarkResult;
  snapshot: SnapshotResult;
  atlas: AtlasResult;
  fidelity_point: FidelityPointResult;
  find: FindResult;
  cluster: ClusterResult;
  annotate: AnnotateResult;
  edit: EmptyResult;
}

/** The binary buffers the page sends with each kind (in order). */
export const BUFFERS_IN = {
  project: [],
  cancel: [],
  pause: [],
  resume: [],
  row: [],
  labels: [],
  count: [],
  search: [],
  neighbors: [],
  isolate: [{"name": "indices", "dtype": "uint32", "optional": true}],
  show_points: [{"name": "indices", "dtype": "uint32", "optional": true}],
  bookmark: [{"name": "file", "dtype": "uint8", "optional": true}],
  snapshot: [{"name": "png", "dtype": "uint8", "optional": true}],
  atlas: [],
  fidelity_point: [],
  find: [],
  cluster: [],
  annotate: [],
  edit: [],
} as const;

/** The binary buffers Python answers with (in order). */
export const BUFFERS_OUT = {
  project: [],
  cancel: [],
  pause: [],
  resume: [],
  row: [],
  labels: [],
  count: [],
  search: [{"name": "listed", "dtype": "uint32", "optional": false}],
  neighbors: [{"name": "indices", "dtype": "uint32", "optional": false}, {"name": "distances", "dtype": "float32", "optional": false}, {"name": "angles", "dtype": "float32", "optional": true}],
  isolate: [],
  show_points: [],
  bookmark: [],
  snapshot: [],
  atlas: [],
  fidelity_point: [],
  find: [],
  cluster: [],
  annotate: [],
  edit: [],
} as const;

/** Messages Python sends the page unasked. */
export type Command = SnapshotCommand;
export const COMMANDS = ["snapshot"] as const;

export const METHODS = ["pca", "tsne", "umap", "custom"] as const;
export const METRICS = ["cosine", "euclidean"] as const;

export type ProjectPayload = PcaProject | TsneProject | UmapProject | CustomProject;

export interface PcaProject {
  method?: "pca";
  params?: PcaParams;
}

export interface PcaParams {
  /** Principal components shown as x, y (and z), numbered from 1. */
  components?: number[];
}

export interface TsneProject {
  method: "tsne";
  params?: TsneParams;
}

export interface TsneParams {
  dims?: Dims;
  n_components?: Dims;
  perplexity?: number;
  learning_rate?: number | "auto";
  n_iter?: number;
  seed?: number;
}

export type Dims = 2 | 3;

export interface UmapProject {
  method: "umap";
  params?: UmapParams;
}

export interface UmapParams {
  dims?: Dims;
  n_components?: Dims;
  n_neighbors?: number;
  min_dist?: number;
  seed?: number;
}

export interface CustomProject {
  method: "custom";
  params?: CustomParams;
}

export interface CustomParams {
  /** The column searched; empty means the label column. */
  column?: string;
  regex?: boolean;
  left?: string | null;
  right?: string | null;
  down?: string | null;
  up?: string | null;
}

export interface CancelPayload {
  /** Stop here and keep the layout reached (else the previous layout comes back). */
  keep?: boolean;
}

export type EmptyPayload = Record<string, never>;

export interface RowPayload {
  index: number;
}

export interface CountPayload {
  /** The column searched; empty means the label column. */
  column?: string | null;
  query: string;
  regex?: boolean;
}

export interface SearchPayload {
  query: string;
  /** The column searched; empty or null means the label column. */
  column?: string | null;
  regex?: boolean;
}

export interface NeighborsPayload {
  index: number;
  k?: number;
  metric?: Metric;
  /** The space the page shows (its toggle may be ahead of the trait); null: the trait's. */
  spherize?: boolean | null;
}

export type Metric = "cosine" | "euclidean";

export interface IsolatePayload {
  /** Show every point again; otherwise isolate the indices in buffer 0 (or the selection). */
  show_all?: boolean;
}

export type BookmarkPayload = AddBookmark | RestoreBookmark | RenameBookmark | DeleteBookmark | LoadBookmarks;

export interface AddBookmark {
  action: "add";
  /** null or absent: a name is made up. */
  name?: string | null;
}

export interface RestoreBookmark {
  action: "restore";
  /** The bookmark: its position in the list or its name. */
  which: number | string;
}

export interface RenameBookmark {
  action: "rename";
  which: number | string;
  name: string;
}

export interface DeleteBookmark {
  action: "delete";
  which: number | string;
}

/** Add the bookmarks of a file (its bytes in buffer 0). */
export interface LoadBookmarks {
  action: "load";
}

/** The page's answer to the ``snapshot`` command: the PNG in buffer 0, or an error. */
export interface SnapshotPayload {
  token: string;
  width?: number;
  height?: number;
  error?: string;
}

export interface AtlasPayload {
  /** The page's WebGL MAX_TEXTURE_SIZE: atlases larger than it are rebuilt to fit. */
  max_texture_size: number;
}

export interface FidelityPointPayload {
  index: number;
  /** Neighbours compared (default 15). */
  k?: number;
}

/** Search by meaning: encode ``query`` with the embedding's encoder (an empty query
 * clears the last search). The answer comes at once; the ``find`` trait says the rest. */
export interface FindPayload {
  query: string;
  k?: number;
  metric?: Metric;
}

export type ClusterPayload = RunClustering | RenameCluster;

/** Cluster the points shown in the background; the ``clustering`` trait says the rest. */
export interface RunClustering {
  action: "run";
  /** The metadata column that names the clusters (default: the labels shown). */
  column?: string;
  space?: "layout" | "original";
}

export interface RenameCluster {
  action: "rename";
  id: number;
  name: string;
}

/** "Label selection as": every selected point gets ``value`` in ``column`` (made when
 * missing). The page sends text; a column of numbers takes it as a number; null clears. */
export interface AnnotatePayload {
  column: string;
  value: string | null;
}

/** The undo / redo buttons and keys. */
export interface EditPayload {
  action: "undo" | "redo";
}

export interface ProjectResult {
  method: string;
  state: string | null;
}

export interface JobStateResult {
  /** The running job's state after the request, null when no job ever ran. */
  state: string | null;
}

export interface RowResult {
  index: number;
  row: Record<string, Cell>;
}

export type Cell = string | number | boolean | null;

export type EmptyResult = Record<string, never>;

export interface CountResult {
  count: number;
  /** The number of points searched: all of them, also while some are isolated. */
  of: number;
}

export interface SearchResult {
  count: number;
  /** How many of the matches are in buffer 0 (the first ones). */
  listed: number;
  column: string;
  /** The listed matches not drawn. */
  undrawn: Undrawn;
}

/** The points of a list that the page does not draw (above the draw budget), with
 * their labels: the page holds only the drawn points' labels. */
export interface Undrawn {
  indices: number[];
  labels: string[];
}

export interface NeighborsResult {
  index: number;
  count: number;
  metric: Metric;
  space: "original" | "spherized";
  /** Whether buffer 2 holds the angles (cosine only). */
  angles: boolean;
  /** The neighbours not drawn. */
  undrawn: Undrawn;
  /** How the list was found: "exact", or an approximate index's name, e.g.
   * "approximate (IVF-PQ, refined)" (its distances are exact, its points may miss some). */
  found_by: string;
}

export interface IsolateResult {
  shown: number;
}

export interface ShowPointsResult {
  /** How many points are drawn now. */
  drawn: number;
}

export type BookmarkResult = BookmarkSummary | LoadedBookmarks | EmptyResult;

/** One bookmark as ``p.bookmarks`` and the panel show it (the reply to add and restore). */
export interface BookmarkSummary {
  name: string;
  method: string;
  dims: number;
  selected: number;
  isolated: IsolatedCount;
  color_by: string;
}

export type IsolatedCount = number | null;

export interface LoadedBookmarks {
  added: string[];
}

export interface SnapshotResult {
  /** False when another view answered first or the page reported an error. */
  used: boolean;
  path?: string;
  bytes?: number;
}

export interface AtlasResult {
  max_texture_size: number;
  atlases: number;
}

export interface FidelityPointResult {
  index: number;
  k: number;
  /** Share of its k nearest in the original space also among its k nearest in the map. */
  fidelity: number;
  /** Its k nearest in the original space that are (near) and are not (far) in the map's k. */
  near: number[];
  far: number[];
  metric: Metric;
  space: "original" | "spherized";
}

export interface FindResult {
  /** "running" while the encoder runs in the background; "idle" after a clear. */
  state: "running" | "idle";
}

export interface ClusterResult {
  /** "running" while a clustering runs in the background; "done" after a rename. */
  state: "running" | "done";
}

export interface AnnotateResult {
  /** How many points were labelled. */
  count: number;
}

/** Draw the view at ``scale`` x the screen's resolution and answer a ``snapshot`` request
 * with the PNG and this token (every view answers; Python keeps the first answer). */
export interface SnapshotCommand {
  command: "snapshot";
  token: string;
  scale: number;
}

export type Method = "pca" | "tsne" | "umap" | "custom";

export type MethodsTrait = Record<string, MethodInfo>;

/** One entry of the widget's ``methods`` trait. */
export interface MethodInfo {
  available: boolean;
  defaults?: Record<string, unknown>;
  params?: ParamSpec[];
  /** Why the method is not available (e.g. how to install it). */
  message?: string;
}

/** One parameter a projection tab renders: its UI range and default. */
export interface ParamSpec {
  name: string;
  label: string;
  type: "choice" | "int" | "float" | "float_or_auto";
  default: unknown;
  min?: number;
  max?: number;
  step?: number;
  choices?: number[];
  scale?: "log";
  help?: string;
}

/** The widget's ``progress`` trait: what is running, and how far it got. */
export interface Progress {
  state?: "idle" | "running" | "paused" | "done" | "failed" | "cancelled";
  method?: string;
  message?: string;
  iteration?: number;
  n_iter?: number;
  fraction?: number | null;
  error?: string;
  /** What the user should know about the run, e.g. that it is not reproducible. */
  note?: string;
}

/** Where a search by meaning put its query in the layout shown. */
export interface QueryMarker {
  /** Page coordinates, as the points' positions (the unit cube). */
  position: number[];
  /** "exact projection" (PCA) or "distance-weighted mean of its neighbours". */
  how: string;
  /** The layout's method. */
  method: string;
}

/** The widget's ``find`` trait: the last search by meaning (the points found are in
 * ``_found`` / ``_found_distances``). */
export interface FindState {
  state?: "idle" | "running" | "done" | "failed";
  message?: string;
  query?: string;
  count?: number;
  metric?: string;
  error?: string;
  marker?: QueryMarker;
  /** The points found that are not drawn, with their labels. */
  undrawn?: Undrawn;
}

/** One cluster's name on the map. */
export interface ClusterName {
  id: number;
  name: string;
  size: number;
  /** The member point the name is drawn at (nearest the cluster's centre). */
  anchor: number;
}

/** The widget's ``clustering`` trait: the last clustering and the names drawn. */
export interface ClusteringState {
  state?: "idle" | "running" | "done" | "failed";
  message?: string;
  error?: string;
  /** The metadata column holding each point's cluster name. */
  column?: string;
  names?: ClusterName[];
}

/** One entry of the widget's ``columns`` trait. */
export interface Column {
  name: string;
  /** "text": a column of a Lance or Parquet source left on disk (too many distinct values
   * to colour by); its ``unique`` is a lower bound. */
  kind: "numeric" | "categorical" | "text";
  unique: number;
}

/** The widget's ``edits`` trait: the metadata table's undo / redo state. */
export interface EditsTrait {
  /** How many steps can be undone / redone. */
  undo: number;
  redo: number;
  /** What the next undo / redo changes, in words ("" when nothing). */
  next_undo: string;
  next_redo: string;
  /** The columns that take annotations. */
  editable: string[];
}

export interface LegendEntry {
  value: unknown;
  color: string;
  count: number;
}

export interface LegendOther {
  /** How many values share the "other" colour, and how many points have them. */
  values: number;
  count: number;
  color: string;
}

export interface LegendMissing {
  count: number;
  color: string;
}

/** The widget's ``legend`` trait: what the colours mean. */
export interface Legend {
  kind: "none" | "numeric" | "categorical";
  column?: string;
  entries?: LegendEntry[];
  other?: LegendOther;
  missing?: LegendMissing;
  min?: number;
  max?: number;
  /** Evenly spaced colours of the map, low to high: the gradient bar is drawn from them. */
  stops?: string[];
  /** The continuous colour map's name (numeric legends). */
  colormap?: string;
  /** What the colours measure, in a sentence (for computed scores rather than a column). */
  caption?: string;
}

/** One of the most changed points of a comparison, with its neighbours in a and in b. */
export interface ChangedPoint {
  index: number;
  label: string;
  change: number;
  kept: number;
  gained: number;
  lost: number;
  a: number[];
  b: number[];
}

/** The widget's ``comparison`` trait (empty before any comparison). */
export interface Comparison {
  a: string;
  b: string;
  state: "running" | "done" | "failed";
  k?: number;
  /** How the neighbours were found: the distance, and in which space. */
  metric?: Metric;
  space?: "original" | "spherized";
  mean?: number;
  changed?: ChangedPoint[];
  error?: string;
}

/** Little-endian unsigned integers, base64. */
export interface CodesData {
  dtype: "uint8" | "uint16" | "uint32";
  data: string;
}

/** One metadata column as an offline export carries it, for the page's stand-in for
 * Python to search it and answer ``row`` as Python does. */
export interface ExportColumn {
  name: string;
  /** Distinct texts (as search reads them); point i has values[codes[i] - 1], or none at 0. */
  values: string[];
  codes: CodesData;
  /** What ``row`` answers for a value: a number, true / false, or the text itself. */
  type: "number" | "boolean" | "text";
}
