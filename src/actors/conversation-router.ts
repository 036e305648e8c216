import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { ClusterMembership } from '../cluster/cluster-membership';
import { NodeBus } from '../cluster/node-bus';
import { ChatError } from '../common/chat-error';
import { AppConfig } from '../config/app-config';
import { NodeState } from '../health/node-state';
import { LOGGER } from '../infra/tokens';
import { ActorRegistry } from './actor-registry';
import { CommandHandler } from './command-handler';
import { ActorCommand, COMMAND_TYPES, ResultOf } from './commands';

/**
 * Sends each command to the node that owns its conversation (rendezvous hashing over the
 * live nodes) and relays the answer, so callers never need to know where an actor lives.
 *
 * Order: commands from this node to one owner travel on one Redis connection and are
 * delivered in order, so sends forwarded by one node keep their order. Across a change of
 * owner the unique (conversationId, seq) index keeps the history linear: an old owner that
 * still runs a command either wins the seq or reloads and retries.
 */
@Injectable()
export class ConversationRouter implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly membership: ClusterMembership,
    private readonly bus: NodeBus,
    private readonly handler: CommandHandler,
    private readonly actors: ActorRegistry,
    private readonly node: NodeState,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.bus.handle(async (payload, from) => {
      // A stopping node takes no new work: the sender retries on the next owner.
      if (this.node.current === 'draining') throw new ChatError('unavailable', 'node is stopping');
      return this.handler.execute(parseCommand(payload, from));
    });
    this.membership.onChange((nodes, previous) => {
      const released = this.actors.release((id) => this.membership.isLocal(id));
      this.logger.info({ nodes, previous, released }, 'cluster view changed');
    });
  }

  /** `conversationIds` grouped by the node that owns them (in the current view). */
  byOwner(conversationIds: readonly string[]): string[][] {
    const groups = new Map<string, string[]>();
    for (const id of conversationIds) {
      const owner = this.membership.ownerOf(id) ?? this.membership.nodeId;
      const group = groups.get(owner);
      if (group) group.push(id);
      else groups.set(owner, [id]);
    }
    return [...groups.values()];
  }

  dispatch<C extends ActorCommand>(command: C): Promise<ResultOf<C>> {
    const owner = this.membership.ownerOf(command.conversationId);
    if (!owner || owner === this.membership.nodeId) return this.handler.execute(command);
    return this.bus.request<ResultOf<C>>(owner, command, this.config.cluster.requestTimeoutMs);
  }
}

/** Commands arrive from other nodes of our own cluster; still, only known shapes run. */
function parseCommand(payload: unknown, from: string): ActorCommand {
  const c = payload as Partial<ActorCommand> | null;
  if (
    !c ||
    typeof c.type !== 'string' ||
    !COMMAND_TYPES.has(c.type) ||
    typeof c.conversationId !== 'string' ||
    typeof c.userId !== 'string'
  ) {
    throw new ChatError('validation_failed', `malformed command from node ${from}`);
  }
  return c as ActorCommand;
}
