/** The queue job kind of a flow run (apart from the engine, so the job table does not load it). */
export const FLOW_JOB = "flow";
