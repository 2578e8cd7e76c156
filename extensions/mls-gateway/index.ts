/** The MLS gateway extension: config schema and factory. */
export { mlsGatewayConfig, mlsGatewaySchema, type MlsGatewayConfig } from './config.js';
export { createMlsGateway, type MlsGateway, type MlsGatewayOptions } from './gateway.js';
export { maintainGateway, type MaintenanceReport } from './maintain.js';
