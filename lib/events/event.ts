// The domain model every part past the VOD clients works with. Both wire dialects are translated
// into it at the edge, so nothing downstream knows which dialect pulled an event.

/** One output file of a processing task (a concatenation's m3u8 or mp4, say). */
export interface OutputFile {
  fileId: string | null;
  url: string | null;
  fileType: string | null;
  /** Whether the service reports this output as produced. */
  ok: boolean;
  message: string | null;
}

/** An event pulled from the queue, ready for a sink. */
export interface VodEvent {
  /** Opaque confirmation token, valid for one handle window; changes on redelivery. */
  handle: string;
  /** Sub-application the event was pulled from; confirms go back to the same one. */
  subAppId: number | undefined;
  /** Event type as the service names it (ConcatComplete, EditMediaComplete, ...). */
  type: string;
  /** Stable identity that survives redelivery: sinks are idempotent on it. */
  key: string;
  taskId: string | null;
  fileId: string | null;
  /** Files the task produced; empty for types that produce none. */
  outputs: OutputFile[];
  /** The event content as received, without the handle. */
  content: unknown;
  /** Set when the content failed validation: the sink parks the event instead of storing it. */
  problem?: string;
}

/** Something in a pull reply that cannot become an event: it has no usable handle. */
export interface Unconfirmable {
  reason: string;
  content: unknown;
}

/** What one pull yields, in domain terms. */
export interface PulledBatch {
  events: VodEvent[];
  unconfirmable: Unconfirmable[];
  requestId: string | undefined;
}
