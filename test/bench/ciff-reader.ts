import { MessageReader, type WireValue } from "./protobuf-wire.js";

export interface CiffHeader {
  version: number;
  numPostingsLists: number;
  numDocs: number;
  totalPostingsLists: number;
  totalDocs: number;
  totalTermsInCollection: number;
  averageDoclength: number;
  description: string;
}

export interface CiffPostingsList {
  term: string;
  df: number;
  cf: number;
  /** Absolute document ids (the file stores gaps). */
  docids: number[];
  tfs: number[];
}

export interface CiffDocRecord {
  docid: number;
  collectionDocid: string;
  doclength: number;
}

export interface Ciff {
  header: CiffHeader;
  postingsLists: CiffPostingsList[];
  docRecords: CiffDocRecord[];
}

const decoder = new TextDecoder();
const num = (v: WireValue | undefined): number => (typeof v === "number" ? v : 0);
const str = (v: WireValue | undefined): string => (v instanceof Uint8Array ? decoder.decode(v) : "");

/** Reads a whole CIFF file held in memory (small files: this is for checking what was written). */
export function readCiff(bytes: Uint8Array): Ciff {
  const stream = new MessageReader(bytes);
  const h = new Map(MessageReader.fields(stream.delimited()));
  const header: CiffHeader = {
    version: num(h.get(1)),
    numPostingsLists: num(h.get(2)),
    numDocs: num(h.get(3)),
    totalPostingsLists: num(h.get(4)),
    totalDocs: num(h.get(5)),
    totalTermsInCollection: num(h.get(6)),
    averageDoclength: num(h.get(7)),
    description: str(h.get(8)),
  };
  const postingsLists: CiffPostingsList[] = [];
  for (let i = 0; i < header.numPostingsLists; i++) {
    const list: CiffPostingsList = { term: "", df: 0, cf: 0, docids: [], tfs: [] };
    let docid = 0;
    for (const [field, value] of MessageReader.fields(stream.delimited())) {
      if (field === 1) list.term = str(value);
      else if (field === 2) list.df = num(value);
      else if (field === 3) list.cf = num(value);
      else if (field === 4 && value instanceof Uint8Array) {
        const p = new Map(MessageReader.fields(value));
        docid += num(p.get(1));
        list.docids.push(docid);
        list.tfs.push(num(p.get(2)));
      }
    }
    postingsLists.push(list);
  }
  const docRecords: CiffDocRecord[] = [];
  for (let i = 0; i < header.numDocs; i++) {
    const d = new Map(MessageReader.fields(stream.delimited()));
    docRecords.push({ docid: num(d.get(1)), collectionDocid: str(d.get(2)), doclength: num(d.get(3)) });
  }
  if (!stream.done) throw new Error(`${bytes.length - stream.at} bytes after the last document record`);
  return { header, postingsLists, docRecords };
}
