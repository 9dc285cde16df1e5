// A span exporter wrapper that keeps an unreachable collector quiet: one warning when exports
// start failing, one line when they work again, instead of an error for every batch.
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from './logger';

export class ReportingExporter implements SpanExporter {
  private failing = false;

  constructor(
    private readonly inner: SpanExporter,
    private readonly logger: Logger,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      const ok = result.code === ExportResultCode.SUCCESS;
      if (!ok && !this.failing) {
        this.logger.warn({ err: result.error?.message }, 'trace export failing; spans are dropped until it recovers (not logged again)');
      } else if (ok && this.failing) {
        this.logger.info('trace export recovered');
      }
      this.failing = !ok;
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
