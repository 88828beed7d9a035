// Sub-applications to drain, taken in turn so a busy one cannot starve the others. A lane is
// retired when its queue is seen empty (under DRAIN_STOP_WHEN=empty).

export type SubAppId = number | undefined;

export class Lanes {
  private readonly active: SubAppId[];
  private turn = 0;

  constructor(subAppIds: readonly SubAppId[]) {
    this.active = [...subAppIds];
  }

  /** The next lane to pull, round-robin; undefined when every lane is retired. */
  next(): { subAppId: SubAppId } | undefined {
    if (this.active.length === 0) return undefined;
    const subAppId = this.active[this.turn % this.active.length];
    this.turn += 1;
    return { subAppId };
  }

  retire(subAppId: SubAppId): void {
    const at = this.active.indexOf(subAppId);
    if (at >= 0) this.active.splice(at, 1);
  }
}
