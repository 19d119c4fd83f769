import { z } from "zod";
import { filteredRequest, type RouteModule } from "../context.ts";
import { BadRequestError } from "../errors.ts";
import { choiceParam, limitParam, parseQuery } from "../params.ts";
import { clientDetail, searchClients } from "../queries/client-detail.ts";
import { registrationCohorts, segmentMigration, segmentSummary } from "../queries/clients.ts";
import { TOP_CLIENT_ORDERS, topClients } from "../queries/top-clients.ts";

const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Client analytics: segments and their migration, top clients, cohorts, search and drill-down. */
export const clientRoutes: RouteModule = (app, context) => {
  const { wh } = context;

  app.get("/api/clients/segments", async (request) => {
    const { filters, reference, echo } = await filteredRequest(context, request.query, {});
    return { filters: echo, ...(await segmentSummary(wh, filters, reference)) };
  });

  app.get("/api/clients/migration", async (request) => {
    const { filters, reference, echo } = await filteredRequest(context, request.query, {});
    return { filters: echo, ...(await segmentMigration(wh, filters, reference)) };
  });

  app.get("/api/clients/top", async (request) => {
    const { filters, params, reference, echo } = await filteredRequest(context, request.query, {
      order: choiceParam(TOP_CLIENT_ORDERS, "value"),
      limit: limitParam(100, 20),
    });
    return {
      filters: echo,
      order: params.order,
      clients: await topClients(wh, filters, params.order, params.limit, reference),
    };
  });

  app.get("/api/clients/cohorts", async (request) => {
    const { filters, reference, echo } = await filteredRequest(context, request.query, {});
    return { filters: echo, ...(await registrationCohorts(wh, filters, reference)) };
  });

  app.get("/api/clients/search", async (request) => {
    const params = parseQuery(
      {
        q: z.string({ error: "expects text" }).trim().min(2, "expects at least 2 characters").max(100),
        limit: limitParam(50, 10),
      },
      request.query,
    );
    return { clients: await searchClients(wh, params.q, params.limit) };
  });

  app.get<{ Params: { clientId: string } }>("/api/clients/:clientId", async (request) => {
    const { clientId } = request.params;
    if (!CLIENT_ID.test(clientId)) {
      throw new BadRequestError(
        "clientId",
        `expects letters, digits, - or _, got ${JSON.stringify(clientId)}`,
      );
    }
    return clientDetail(wh, clientId);
  });
};
