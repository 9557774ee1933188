/** Source of the current time, injected so tests and replays control it. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
