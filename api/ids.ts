/** Path parameters that are our IDs (UUIDs, lower case): anything else is answered 404 before a query. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
