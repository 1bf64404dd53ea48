import { validateFilter, type Filter } from "../../src/index.js";

/** An Elasticsearch query clause, as plain JSON. */
export type EsQuery = Record<string, unknown>;

/**
 * Translates a Tandem filter into an Elasticsearch query for a filter context. `fieldPath` maps a
 * Tandem field name to the document path it is stored under. Arrays match when any element
 * matches, in both engines. The filter is validated first (its depth before anything recurses),
 * so whatever reaches the translation is at most MAX_FILTER_DEPTH deep: a filter Elasticsearch
 * would refuse as nested too deep is refused here with an InvalidFilterError instead.
 */
export function translateFilter(filter: Filter, fieldPath: (field: string) => string): EsQuery {
  return translate(validateFilter(filter), fieldPath);
}

function translate(filter: Filter, fieldPath: (field: string) => string): EsQuery {
  // Computed keys define own properties, so any field name (even "__proto__") is kept as data.
  const entry = (record: Record<string, unknown>) => Object.entries(record)[0]!;
  if (Object.hasOwn(filter, "term")) {
    const [field, value] = entry((filter as { term: Record<string, unknown> }).term);
    return { term: { [fieldPath(field)]: value } };
  }
  if (Object.hasOwn(filter, "terms")) {
    const [field, values] = entry((filter as { terms: Record<string, unknown> }).terms);
    return { terms: { [fieldPath(field)]: values } };
  }
  if (Object.hasOwn(filter, "range")) {
    const [field, bounds] = entry((filter as { range: Record<string, unknown> }).range);
    return { range: { [fieldPath(field)]: bounds } };
  }
  if (Object.hasOwn(filter, "and")) return { bool: { filter: (filter as { and: Filter[] }).and.map((f) => translate(f, fieldPath)) } };
  if (Object.hasOwn(filter, "or")) {
    const or = (filter as { or: Filter[] }).or;
    // An empty `or` matches nothing in Tandem; Elasticsearch would treat a bool without clauses as match-all.
    if (or.length === 0) return { match_none: {} };
    return { bool: { should: or.map((f) => translate(f, fieldPath)), minimum_should_match: 1 } };
  }
  return { bool: { must_not: [translate((filter as { not: Filter }).not, fieldPath)] } };
}
