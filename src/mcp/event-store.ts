/**
 * A bounded in-memory event store for Streamable HTTP resumability: a client that loses its SSE stream
 * reconnects with Last-Event-ID and gets what it missed. One per server instance; events older than the
 * newest `capacity` are forgotten.
 */
import type { EventStore } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

export function createMemoryEventStore(capacity = 10_000): EventStore {
  const events = new Map<string, { streamId: string; message: JSONRPCMessage }>();
  let seq = 0;
  return {
    async storeEvent(streamId, message) {
      const id = `${streamId}_${(++seq).toString(36).padStart(8, "0")}`;
      events.set(id, { streamId, message });
      if (events.size > capacity) {
        const oldest = events.keys().next().value;
        if (oldest !== undefined) events.delete(oldest);
      }
      return id;
    },
    async getStreamIdForEventId(eventId) {
      return events.get(eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const last = events.get(lastEventId);
      if (!last) return "";
      let after = false;
      for (const [id, e] of events) {
        if (id === lastEventId) {
          after = true;
          continue;
        }
        if (after && e.streamId === last.streamId) await send(id, e.message);
      }
      return last.streamId;
    },
  };
}
