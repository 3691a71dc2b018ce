// The live stream of the log (Server-Sent Events, signed in by the session
// cookie): calls `onEvent` for each event appended after the moment it
// opens. The browser's EventSource reconnects by itself, resuming after
// the last event it saw (Last-Event-ID).
import { api, base } from './lib.mjs';

// The event types that change what the tree and the objective pages show
// (the stream names each event by its type: `event: CheckInRecorded`).
const TYPES = ['CycleCreated', 'CycleStarted', 'CycleClosed', 'ObjectiveCreated',
  'ObjectiveRetitled', 'ObjectiveDescribed', 'ObjectiveOwnerChanged', 'ObjectiveTeamChanged',
  'ObjectiveAligned', 'ObjectiveUnaligned', 'ObjectiveActivated', 'ObjectiveAchieved',
  'ObjectiveAbandoned', 'ObjectiveGraded', 'KeyResultAdded', 'KeyResultRetitled',
  'KeyResultTargetChanged', 'KeyResultWeightChanged', 'KeyResultRemoved', 'KeyResultGraded',
  'CheckInRecorded', 'KpiDefined', 'KpiThresholdsChanged', 'KpiMeasured'];

export async function follow(onEvent) {
  const health = await api('GET', '/healthz');
  const source = new EventSource(`${base}/v1/events/stream?after=${health.last_position || 0}`);
  const handler = (e) => {
    try { onEvent(JSON.parse(e.data)); } catch { /* not an event */ }
  };
  source.onmessage = handler;
  for (const t of TYPES) source.addEventListener(t, handler);
  return () => source.close();
}
