import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
} from '../conversations/conversation.repository';
import { AppConfig } from '../config/app-config';
import { CHANGE_LOG, ChangeLog } from '../events/change-log';
import { CHANGE_VOUCHES, ChangeVouches } from '../events/change-vouches';
import { MetricsService } from '../health/metrics.service';
import { LOGGER } from '../infra/tokens';
import { ReceiptMetrics } from '../receipts/receipt-metrics';
import { ReactionMetrics } from '../reactions/reaction-metrics';
import { MESSAGE_REPOSITORY, MessageRepository } from '../messages/message.repository';
import { BROADCASTER, Broadcaster } from './broadcaster';
import { ConversationActor } from './conversation-actor';
import { GroupCommitWriter } from './group-commit-writer';
import { Histogram } from 'prom-client';

const IDLE_MS = 60_000;
const SWEEP_MS = 15_000;
const MAX_BATCH = 256;

/**
 * The actors of this process, one per active conversation. Idle actors are passivated (their
 * state is dropped) and rebuilt from the database on their next command.
 */
@Injectable()
export class ActorRegistry implements OnModuleDestroy {
  private readonly actors = new Map<string, ConversationActor>();
  /** Released actors still finishing their mailboxes; a graceful stop waits for them too. */
  private readonly retiring = new Set<ConversationActor>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly receiptMetrics: ReceiptMetrics;
  private readonly reactionMetrics: ReactionMetrics;
  private readonly writer: GroupCommitWriter;

  constructor(
    @Inject(MESSAGE_REPOSITORY) private readonly messages: MessageRepository,
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(BROADCASTER) private readonly broadcaster: Broadcaster,
    @Inject(CHANGE_LOG) private readonly changeLog: ChangeLog,
    @Inject(CHANGE_VOUCHES) vouches: ChangeVouches,
    metrics: MetricsService,
    private readonly config: AppConfig,
  ) {
    this.receiptMetrics = new ReceiptMetrics(metrics.registry);
    this.reactionMetrics = new ReactionMetrics(metrics.registry);
    const flushSize = new Histogram({
      name: 'parley_group_commit_messages',
      help: 'Messages stored by one group-commit flush (all conversations of the node)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
      registers: [metrics.registry],
    });
    const flushConversations = new Histogram({
      name: 'parley_group_commit_batches',
      help: 'Actor batches (conversations) stored by one group-commit flush',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [metrics.registry],
    });
    const flushSeconds = new Histogram({
      name: 'parley_group_commit_flush_seconds',
      help: 'Duration of one group-commit flush (outbox and messages inserts)',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers: [metrics.registry],
    });
    this.writer = new GroupCommitWriter(
      { changeLog, vouches, insertBatch: (batch) => messages.insertBatch(batch) },
      {
        flushed: (batches, stored, seconds) => {
          flushConversations.observe(batches);
          flushSize.observe(stored);
          flushSeconds.observe(seconds);
        },
      },
    );
    this.sweeper = setInterval(() => this.passivate(IDLE_MS), SWEEP_MS).unref();
  }

  get(conversationId: string): ConversationActor {
    let actor = this.actors.get(conversationId);
    if (!actor) {
      actor = new ConversationActor(conversationId, {
        messages: this.messages,
        writer: this.writer,
        conversations: this.conversations,
        broadcaster: this.broadcaster,
        changeLog: this.changeLog,
        logger: this.logger,
        receiptMetrics: this.receiptMetrics,
        reactionMetrics: this.reactionMetrics,
        maxBatch: MAX_BATCH,
        reactionMaxDistinct: this.config.limits.reactionMaxDistinct,
        summaryIntervalMs: this.config.summaryWriteIntervalMs,
        recipientsMax: this.config.workers.deliveryRecipientsMax,
      });
      this.actors.set(conversationId, actor);
    }
    return actor;
  }

  /** This node's actor of the conversation, if it has one (never creates it). */
  peek(conversationId: string): ConversationActor | undefined {
    return this.actors.get(conversationId);
  }

  /**
   * Hands over conversations this node no longer owns: their actors leave the registry and
   * finish only what is already in their mailboxes; the new owner rebuilds from MongoDB.
   */
  release(stillOwned: (conversationId: string) => boolean): number {
    let released = 0;
    for (const [id, actor] of this.actors) {
      if (!stillOwned(id)) {
        this.actors.delete(id);
        actor.flushFollowUp();
        if (!actor.isIdle(0)) this.retiring.add(actor);
        released++;
      }
    }
    return released;
  }

  /** Resolves once every actor's mailbox is empty (for a graceful stop), or after `ms`. */
  async drain(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    const all = () => [...this.actors.values(), ...this.retiring];
    for (const actor of all()) actor.flushFollowUp();
    const busy = () => all().some((a) => !a.isIdle(0));
    while (Date.now() < deadline && busy()) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Drops actors idle for `idleMs`; returns how many. */
  passivate(idleMs: number): number {
    let dropped = 0;
    for (const actor of this.retiring) if (actor.isIdle(0)) this.retiring.delete(actor);
    for (const [id, actor] of this.actors) {
      if (actor.isIdle(idleMs)) {
        this.actors.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}
