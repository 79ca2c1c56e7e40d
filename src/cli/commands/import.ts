import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { notifyDataChanged } from '../../app/auto-push.js';
import {
  type ImportEntity,
  ImportFileError,
  type ImportFormat,
  type ImportReport,
  importEntities,
  importFile,
} from '../../intelligence/index.js';
import { openStore, type Store } from '../../store/index.js';
import { CliError, configFrom, output, wantsJson } from '../context.js';
import { plural } from '../format.js';

/** Opens the store from the command's configuration, runs `fn`, and always closes it. */
export async function withStore<T>(cmd: Command, fn: (store: Store) => Promise<T>): Promise<T> {
  const config = configFrom(cmd);
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function describeReport(file: string, r: ImportReport): string {
  const lines = [
    `${r.entity} from ${file}: ${plural(r.rows, 'row')}, ${r.valid} valid, ${r.invalid} invalid` +
      (r.written
        ? ` — ${r.inserted} inserted, ${r.updated} updated, ${r.unchanged} unchanged` +
          (r.duplicates ? `, ${plural(r.duplicates, 'repeated key')}` : '')
        : ' — nothing written'),
  ];
  for (const e of r.errors) {
    lines.push(
      `  row ${e.row} (line ${e.line}), column ${e.column}: ${JSON.stringify(e.value)} ${e.message}`,
    );
  }
  if (r.errorsTruncated) lines.push(`  … and more (${plural(r.invalid, 'invalid row')} in all)`);
  if (r.ignoredColumns.length > 0) lines.push(`  ignored columns: ${r.ignoredColumns.join(', ')}`);
  if (r.growthRecomputed) lines.push('  growth ranks recomputed');
  return lines.join('\n');
}

/**
 * `affinity-sync import <companies|people|investors|signals> FILE`: streams a CSV or NDJSON file
 * into the intelligence dataset. Any invalid row writes nothing unless `--skip-invalid`.
 */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('import companies, people, investors or signals from a CSV or NDJSON file')
    .argument('<entity>', importEntities.join('|'))
    .argument('<file>', 'the file to import')
    .option('--format <format>', 'csv or ndjson (default: from the file extension)')
    .option('--skip-invalid', 'write the valid rows and report the invalid ones')
    .option('--batch-size <n>', 'rows per write', '2000')
    .action(
      async (
        entity: string,
        file: string,
        opts: { format?: string; skipInvalid?: boolean; batchSize: string },
        cmd: Command,
      ) => {
        if (!(importEntities as readonly string[]).includes(entity)) {
          throw new CliError(`unknown entity ${JSON.stringify(entity)}: use ${importEntities.join(', ')}`);
        }
        if (opts.format !== undefined && opts.format !== 'csv' && opts.format !== 'ndjson') {
          throw new CliError(`--format ${JSON.stringify(opts.format)}: use csv or ndjson`);
        }
        const batchSize = Number(opts.batchSize);
        if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 50_000) {
          throw new CliError(
            `--batch-size ${JSON.stringify(opts.batchSize)}: use a whole number from 1 to 50000`,
          );
        }
        const json = wantsJson(cmd);
        const bar = json
          ? null
          : new SingleBar({
              stream: process.stderr,
              format: 'importing {bar} {percentage}% | {rows} rows',
              hideCursor: true,
              clearOnComplete: true,
            });
        let report: ImportReport;
        try {
          report = await withStore(cmd, async (store) => {
            bar?.start(1, 0, { rows: 0 });
            let imported: ImportReport;
            try {
              imported = await importFile(store, entity as ImportEntity, file, {
                ...(opts.format ? { format: opts.format as ImportFormat } : {}),
                skipInvalid: opts.skipInvalid === true,
                batchSize,
                onProgress: (p) => {
                  bar?.setTotal(Math.max(p.totalBytes, 1));
                  bar?.update(p.bytesRead, { rows: p.rows });
                },
              });
            } finally {
              bar?.stop();
            }
            // Saved searches and lists marked auto-push are pushed once the change settles (a served
            // store's workers take the notice now; an embedded store's when a server starts).
            if (imported.written && imported.inserted + imported.updated > 0)
              await notifyDataChanged({ store }, `import of ${entity} from ${file}`);
            return imported;
          });
        } catch (err) {
          if (err instanceof ImportFileError) throw new CliError(`${file}: ${err.message}`);
          throw err;
        }
        const ok = report.written;
        output(cmd, { ok, file, ...report }, () => describeReport(file, report));
        if (!ok) {
          process.stderr.write(
            `affinity-sync: ${plural(report.invalid, 'invalid row')} in ${file}; nothing written (--skip-invalid writes the valid rows)\n`,
          );
          process.exitCode = 1;
        }
      },
    );
}
