import type { Message } from 'kafkajs';
import type { ChatEvent } from './chat-events';

/**
 * The CloudEvents `source` of every event Parley publishes. Fixed, not per node: CloudEvents
 * identifies an event by (source, id), and a republished event (another relay, a retried job)
 * must keep both so consumers can deduplicate.
 */
export const CLOUD_EVENT_SOURCE = '/parley';

/** CloudEvents 1.0, structured JSON mode. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

export function toCloudEvent(e: ChatEvent): CloudEvent {
  return {
    specversion: '1.0',
    id: e.id,
    source: CLOUD_EVENT_SOURCE,
    type: e.type,
    time: e.time.toISOString(),
    subject: e.conversationId,
    datacontenttype: 'application/json',
    data: e.data,
  };
}

/**
 * The Kafka record of an event (CloudEvents Kafka protocol binding, structured mode): keyed by
 * conversation id so one conversation's events share a partition and keep their order.
 */
export function toKafkaMessage(e: ChatEvent): Message {
  return {
    key: e.conversationId,
    value: JSON.stringify(toCloudEvent(e)),
    headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
  };
}
