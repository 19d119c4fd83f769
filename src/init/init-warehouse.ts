import { applySchema, WAREHOUSE_SCHEMA } from "../warehouse/schema.ts";
import { backfillScoreAggregates } from "../warehouse/score-aggregates.ts";
import { backfillSegmentAggregates } from "../warehouse/segment-aggregates.ts";
import { backfillServingAggregates } from "../warehouse/serving-aggregates.ts";
import type { Warehouse } from "../warehouse/warehouse.ts";
import { REFERENCE_DIMENSIONS } from "./reference-dimensions.ts";
import { type SeedResult, seedTable } from "./seed-table.ts";

export interface InitResult {
  readonly models: readonly string[];
  readonly dimensions: readonly SeedResult[];
}

/** Creates the star schema and loads the reference dimensions, all in one transaction. */
export async function initWarehouse(
  wh: Warehouse,
  onStep: (message: string) => void = () => {},
): Promise<InitResult> {
  return wh.transaction(async (tx) => {
    onStep(`schema ${WAREHOUSE_SCHEMA}`);
    const models = await applySchema(tx);
    const dimensions: SeedResult[] = [];
    for (const dimension of REFERENCE_DIMENSIONS) {
      onStep(`${WAREHOUSE_SCHEMA}.${dimension.table}`);
      dimensions.push(
        await seedTable(
          tx,
          { schema: WAREHOUSE_SCHEMA, table: dimension.table },
          dimension.key,
          dimension.rows(),
        ),
      );
    }
    if (await backfillServingAggregates(tx)) onStep(`${WAREHOUSE_SCHEMA} dashboard aggregates (built once)`);
    if (await backfillSegmentAggregates(tx)) onStep(`${WAREHOUSE_SCHEMA} segment aggregates (built once)`);
    if (await backfillScoreAggregates(tx)) onStep(`${WAREHOUSE_SCHEMA} score aggregates (built once)`);
    return { models, dimensions };
  });
}
