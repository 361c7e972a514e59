import type { PushBodyLayoutParts } from './push-body-layout';

/**
 * What the event loop sends the scan thread (see PushScanThread): a push
 * body's whole memory, transferred, where in it the text to scan lies, and
 * the slots to lay it out in (transferred too).
 */
export interface PushScanRequest {
  id: number;
  memory: ArrayBuffer;
  offset: number;
  length: number;
  slots: Int32Array;
}

/**
 * The scan thread's answer, with the body's memory and the slots
 * transferred back: the layout's parts (its events in those slots, or in
 * larger ones for a body of more events than they hold), or where the text
 * stops being JSON (a JsonSyntaxError's offset), or neither when its
 * top-level value is not an object; `failure` for anything else the scan
 * threw.
 */
export interface PushScanReply {
  id: number;
  memory: ArrayBuffer;
  slots: Int32Array;
  layout?: PushBodyLayoutParts;
  syntaxErrorAt?: number;
  failure?: string;
}
