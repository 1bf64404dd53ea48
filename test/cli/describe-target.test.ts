import { afterEach, describe, expect, it, vi } from "vitest";
import { describeTarget } from "../../src/cli/open-index.js";

describe("describeTarget (what a report names as the evaluated index)", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("names the embedded index by its directory", () => {
    expect(describeTarget({ index: "/data/idx" })).toBe("/data/idx");
  });

  it("names a cluster index by backend, URL and index name from the options", () => {
    expect(describeTarget({ backend: "elasticsearch", "es-url": "http://127.0.0.1:9200", "es-index": "docs" })).toBe("elasticsearch http://127.0.0.1:9200 index docs");
  });

  it("takes a cluster index from TANDEM_ES_* and TANDEM_BACKEND when options leave them out, never a stray --index", () => {
    vi.stubEnv("TANDEM_BACKEND", "opensearch");
    vi.stubEnv("TANDEM_ES_URL", "http://127.0.0.1:9201");
    vi.stubEnv("TANDEM_ES_INDEX", "papers");
    expect(describeTarget({ index: "/not/this" })).toBe("opensearch http://127.0.0.1:9201 index papers");
  });
});
