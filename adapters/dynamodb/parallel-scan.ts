import { ScanCommand, type DynamoDBDocumentClient, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';

export interface ParallelScanOptions {
  /** Segments scanned at once (DynamoDB parallel scan). */
  readonly segments: number;
  /** Items per page (Limit); default: DynamoDB's 1 MB pages. */
  readonly pageSize?: number;
}

/**
 * Every item of a table, through `segments` parallel Scan segments, strongly
 * consistent. Each page goes to `onPage` (with the items read before the
 * filter, `scannedCount`) and is awaited before its segment reads the next,
 * so memory holds at most one page per segment.
 */
export async function parallelScan(
  documentClient: DynamoDBDocumentClient,
  input: Omit<ScanCommandInput, 'Segment' | 'TotalSegments' | 'ExclusiveStartKey' | 'ConsistentRead' | 'Limit'>,
  options: ParallelScanOptions,
  onPage: (items: Record<string, unknown>[], scannedCount: number) => void | Promise<void>,
): Promise<void> {
  const segment = async (index: number): Promise<void> => {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documentClient.send(
        new ScanCommand({
          ...input,
          ConsistentRead: true,
          Segment: index,
          TotalSegments: options.segments,
          ...(options.pageSize === undefined ? {} : { Limit: options.pageSize }),
          ExclusiveStartKey: start,
        }),
      );
      await onPage(page.Items ?? [], page.ScannedCount ?? 0);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  };
  await Promise.all(Array.from({ length: options.segments }, (_, index) => segment(index)));
}
