import { MemoryJobStore } from "../../core-service/src/adapters/memory/memory-job-store.ts";
import { describeJobListingContract } from "../contract/job-listing.contract.ts";

describeJobListingContract("in memory", async () => new MemoryJobStore());
