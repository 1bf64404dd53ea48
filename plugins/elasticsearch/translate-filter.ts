import type { Filter } from "../../src/index.js";

/** An Elasticsearch query clause, as plain JSON. */
export type EsQuery = Record<string, unknown>;

/**
 * Translates a validated Tandem filter into an Elasticsearch query for a filter context.
 * `fieldPath` maps a Tandem field name to the document path it is stored under. Arrays match
 * when any element matches, in both engines.
 */
export function translateFilter(filter: Filter, fieldPath: (field: string) => string): EsQuery {
  const entry = (record: Record<string, unknown>) => Object.entries(record)[0]!;
  if ("term" in filter) {
    const [field, value] = entry(filter.term);
    return { term: { [fieldPath(field)]: value } };
  }
  if ("terms" in filter) {
    const [field, values] = entry(filter.terms);
    return { terms: { [fieldPath(field)]: values } };
  }
  if ("range" in filter) {
    const [field, bounds] = entry(filter.range);
    return { range: { [fieldPath(field)]: bounds } };
  }
  if ("and" in filter) return { bool: { filter: filter.and.map((f) => translateFilter(f, fieldPath)) } };
  // An empty `or` matches nothing in Tandem; Elasticsearch would treat a bool without clauses as match-all.
  if ("or" in filter && filter.or.length === 0) return { match_none: {} };
  if ("or" in filter) return { bool: { should: filter.or.map((f) => translateFilter(f, fieldPath)), minimum_should_match: 1 } };
  return { bool: { must_not: [translateFilter(filter.not, fieldPath)] } };
}
