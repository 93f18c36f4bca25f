#!/usr/bin/env node
import { runMain } from "../dist/src/cli/main.js";

runMain("imgimport");
