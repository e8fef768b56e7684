import type { Collection } from '@registry/read-store';
import type { ChainBlockDocument } from './chain-block';

/** The recorded chain's blocks in order of position, a page at a time. */
export async function* blocksInOrder(blocks: Collection<ChainBlockDocument>, after = 0): AsyncGenerator<ChainBlockDocument> {
  let cursor: string | undefined;
  do {
    const page = await blocks.find({ to: { gt: after } }, { sort: [['to', 1]], limit: 200, cursor });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}
