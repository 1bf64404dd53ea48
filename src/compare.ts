/** UTF-16 code-unit order: the order of document ids and tokens everywhere. @internal */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
