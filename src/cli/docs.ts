import { relative } from "node:path";
import { Command } from "commander";
import { DATA_DICTIONARY_PATH, writeDataDictionary } from "../docs/data-dictionary.ts";
import { exitWithError } from "./exit.ts";
import { type JsonOptions, printJson, withJsonOption } from "./options.ts";

interface DocsOptions extends JsonOptions {
  out: string;
  check?: boolean;
}

export function docsCommand(): Command {
  const command = new Command("docs")
    .description("generate docs/data_dictionary.md from the comments of the schema")
    .option("--out <file>", "where to write the data dictionary", DATA_DICTIONARY_PATH)
    .option("--check", "write nothing; exit 1 when the file is out of date");
  return withJsonOption(command).action(async (options: DocsOptions) => {
    const result = await writeDataDictionary(options.out, { check: options.check ?? false });
    const shown = relative(process.cwd(), result.path) || result.path;
    if (options.json) printJson({ ...result, checked: options.check ?? false });
    else if (!result.changed) process.stdout.write(`${shown} is up to date\n`);
    else if (!options.check) process.stdout.write(`wrote ${shown}\n`);
    if (options.check && result.changed) exitWithError(`${shown} is out of date: run \`momo docs\``);
  });
}
