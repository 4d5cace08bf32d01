import { offlinePrismaConfig } from "@spx/runtime/prisma-cli";

export default offlinePrismaConfig();
