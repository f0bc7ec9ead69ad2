import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB's published sizing and billing rules, for computing what a call
 * costs where DynamoDB Local reports no ConsumedCapacity.
 *
 * Item size (Developer Guide, "Item sizes and formats"): attribute names
 * count in UTF-8 bytes; strings in UTF-8 bytes; binary in raw bytes;
 * numbers ~1 byte per two significant digits plus 1; booleans and null 1
 * byte; lists and maps 3 bytes plus 1 byte and the size of each element.
 *
 * Units (on-demand and provisioned alike): a standard write is 1 WCU per
 * 1 KB (rounded up) of the larger of the item before and after, a
 * transactional write 2; a strongly consistent read 1 RCU per 4 KB, a
 * transactional read 2.
 */

export function itemSizeBytes(item: Readonly<Record<string, AttributeValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += utf8Bytes(name) + valueSizeBytes(value);
  return bytes;
}

function valueSizeBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.N !== undefined) return numberSizeBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, element) => sum + utf8Bytes(element), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, element) => sum + numberSizeBytes(element), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, element) => sum + element.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSizeBytes(element), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8Bytes(name) + valueSizeBytes(element), 0);
  }
  return 0;
}

function numberSizeBytes(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function writeUnitsForSize(bytes: number, transactional = false): number {
  return Math.max(1, Math.ceil(bytes / 1024)) * (transactional ? 2 : 1);
}

export function consistentReadUnitsForSize(bytes: number, transactional = false): number {
  return Math.max(1, Math.ceil(bytes / 4096)) * (transactional ? 2 : 1);
}
