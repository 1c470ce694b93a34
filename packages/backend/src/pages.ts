// Paged lists: `await` one gives its first page; `for await` walks every item of every page,
// fetching the next page only when the previous one is used up.

export interface Page<T> {
  data: T[];
  /** Whether another page follows. */
  hasMore: boolean;
  /** Pages of contexts: the cursor of the following page (for `cursor`), null after the last. */
  nextCursor?: string | null;
  /** The following page, or null after the last. */
  next(): Promise<Page<T> | null>;
}

export class PagedList<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  #first: Promise<Page<T>> | undefined;

  constructor(
    private readonly load: () => Promise<Page<T>>,
    /** A page's items in the order iteration yields them. Default: as the page has them. */
    private readonly itemsOf: (page: Page<T>) => T[] = (page) => page.data,
  ) {}

  #firstPage(): Promise<Page<T>> {
    this.#first ??= this.load();
    return this.#first;
  }

  // biome-ignore lint/suspicious/noThenProperty: a paged list is awaited for its first page.
  then<A = Page<T>, B = never>(
    onFulfilled?: ((page: Page<T>) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#firstPage().then(onFulfilled, onRejected);
  }

  /** Every page, in turn. */
  async *pages(): AsyncGenerator<Page<T>> {
    let page: Page<T> | null = await this.#firstPage();
    while (page) {
      yield page;
      page = page.hasMore ? await page.next() : null;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for await (const page of this.pages()) yield* this.itemsOf(page);
  }
}
