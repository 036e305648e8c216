import { Injectable } from '@nestjs/common';

/** Where this node is in its life; readiness needs `serving`. */
@Injectable()
export class NodeState {
  private phase: 'starting' | 'serving' | 'draining' = 'starting';

  get current() {
    return this.phase;
  }
  markServing(): void {
    if (this.phase === 'starting') this.phase = 'serving';
  }
  markDraining(): void {
    this.phase = 'draining';
  }
}
