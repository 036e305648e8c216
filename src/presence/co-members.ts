import type { Model } from 'mongoose';
import { Types } from 'mongoose';
import type { ConversationRepository } from '../conversations/conversation.repository';
import type { MemberDoc } from '../conversations/conversation.schema';

export const CO_MEMBERS = Symbol('CO_MEMBERS');

/** Who may see whose presence. */
export interface CoMembers {
  /** Which of `userIds` share at least one live conversation with `userId`. */
  among(userId: string, userIds: readonly string[]): Promise<Set<string>>;
}

/**
 * Two bounded queries joined in code (FerretDB has no $lookup): the caller's live
 * conversations, then the distinct targets among their member rows. Member rows follow
 * `participants` (ConversationRepository.saveMembership), and deleted conversations are left
 * out by the first query.
 */
export class MongoCoMembers implements CoMembers {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly members: Model<MemberDoc>,
  ) {}

  async among(userId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const mine = await this.conversations.idsForUser(userId);
    if (mine.length === 0) return new Set();
    const found: unknown[] = await this.members.distinct('userId', {
      conversationId: { $in: mine.map((id) => new Types.ObjectId(id)) },
      userId: { $in: [...userIds] },
    });
    return new Set(found.filter((id): id is string => typeof id === 'string'));
  }
}
