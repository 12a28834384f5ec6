/**
 * The klarnaSync module: the plugin's tables (migrations/) and the service that holds the sync engine.
 * Medusa hands the plugin's options to this module (not to subscribers, jobs or routes), so everything
 * reads its configuration through the service.
 */
import { Module } from "@medusajs/framework/utils"
import KlarnaSyncModuleService from "./service"

export const KLARNA_SYNC_MODULE = "klarnaSync"

export default Module(KLARNA_SYNC_MODULE, { service: KlarnaSyncModuleService })
