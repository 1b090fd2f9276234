export type Style = 'green' | 'yellow' | 'red' | 'magenta' | 'cyan' | 'bold' | 'dim';

/** Colours text for a terminal; renderers stay pure by receiving one. */
export type Paint = (style: Style, text: string) => string;

export const plainPaint: Paint = (_style, text) => text;
