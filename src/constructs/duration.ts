/** s (seconds), m (minutes), h (hours), d (days), w (weeks), mo (30 days), y (365 days). */
export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'mo' | 'y';
/** A whole number and a unit: `45s`, `30m`, `12h`, `90d`, `2w`, `3mo`, `1y`. */
export type Duration = `${number}${DurationUnit}`;
