import { buildAvmonApp } from "../lib/build-app.ts";

buildAvmonApp();
