// The API contract as a TypeScript user meets it. This file only compiles (tsc --strict) when the
// client generated from /api/openapi.json has the types below: each assertion names a promise
// of the document (text/csv is a string, enums are unions, lists are `{items}`, events narrow
// by `event`). Nothing here runs; ../run.sh compiles it.

import type {
  ErrorBody,
  ErrorDetails,
  ExportLeadsCsvResponse,
  LeadBody,
  LeadPage,
  MessageBody,
  MessageSender,
  ScheduleBody,
  WebhookDeliveryInfo,
  WebhookEvent,
  WebhookList,
  WebhookPayload,
  WorkspaceList,
  WsEventFrame,
  WsHelloFrame,
} from './client/types.gen';
import { exportLeadsCsv, getLead, listLeadMessages, listLeads } from './client/sdk.gen';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

// CSV export is text, not a Blob.
assertType<Equals<ExportLeadsCsvResponse, string>>();
// Enums are unions of their values, not plain strings.
assertType<Equals<MessageSender, 'contact' | 'bot' | 'agent'>>();
assertType<Equals<MessageBody['sender'], MessageSender>>();
assertType<Equals<WebhookDeliveryInfo['state'], 'pending' | 'delivered' | 'failed'>>();
assertType<Equals<WebhookEvent, 'lead.qualified' | 'lead.assigned' | 'message.received' | 'bot.status'>>();
// Errors have typed details.
assertType<Equals<ErrorBody['details'], ErrorDetails | undefined>>();
// Lists are `{items}`; the lead cursor is optional (absent on the last page).
assertType<Equals<WorkspaceList['items'], NonNullable<WorkspaceList['items']>>>();
assertType<Equals<LeadPage['next_cursor'], string | undefined>>();
// A cron is a string as given.
assertType<Equals<ScheduleBody['cron'], string | undefined>>();

/** Events carry the REST bodies; `event` narrows `data`. */
export function onFrame(frame: WsEventFrame | WsHelloFrame): string {
  if (frame.type === 'hello') return frame.workspaces.join(',');
  switch (frame.event) {
    case 'lead.updated':
    case 'lead.qualified': {
      const lead: LeadBody = frame.data.lead;
      return lead.id;
    }
    case 'lead.assigned':
      return frame.data.assignee + frame.data.lead.status;
    case 'message.received':
    case 'message.sent': {
      const message: MessageBody = frame.data.message;
      return message.sender;
    }
    case 'message.delivery':
      return frame.data.status;
    case 'bot.status':
      return frame.data.status + (frame.data.detail ?? '');
    case 'bot.qr':
    case 'bot.pairing_code':
      return frame.data.code;
    case 'lead.attention':
      return frame.data.agent;
    case 'schedule.executed':
      return frame.data.run.action;
    default: {
      const unknown: never = frame;
      return unknown;
    }
  }
}

/** A webhook receiver: the same `data` as the WebSocket, for the four webhook events. */
export function onWebhook(payload: WebhookPayload): string {
  switch (payload.event) {
    case 'lead.qualified':
      return payload.id + payload.data.lead.id;
    case 'lead.assigned':
      return payload.data.assignee;
    case 'message.received':
      return payload.data.message.body;
    case 'bot.status':
      return payload.data.status;
    default: {
      const unknown: never = payload;
      return unknown;
    }
  }
}

/** The sales scenario's calls type-check against the generated SDK. */
export async function scenario(leadId: string): Promise<number> {
  const page = await listLeads({ query: { limit: 10 }, throwOnError: true });
  const items: LeadBody[] = page.data.items;
  const lead = await getLead({ path: { lead_id: leadId }, throwOnError: true });
  const messages = await listLeadMessages({ path: { lead_id: lead.data.id }, throwOnError: true });
  const csv = await exportLeadsCsv({ throwOnError: true });
  const hooks: WebhookList | undefined = undefined;
  return items.length + messages.data.items.length + csv.data.length + (hooks ? 1 : 0);
}
