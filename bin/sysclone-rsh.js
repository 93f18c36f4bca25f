#!/usr/bin/env node
import { runRshShim } from "../dist/src/exec/rsh-shim.js";

runRshShim();
