package io.extractionguard.loadtest.traffic;

/**
 * What developers send: questions about their own code and errors, small snippets with their own
 * identifiers, requests for functions, reviews and tests, in many languages and frameworks.
 */
final class CodeText {

    private CodeText() {
    }

    record Lang(String name, String fence, String[] frameworks, String[] errors, String[] commands) {
    }

    static final Lang[] LANGS = {
        new Lang("Python", "python", new String[]{"Django", "FastAPI", "Flask", "pandas", "pytest", "SQLAlchemy",
                "asyncio", "NumPy", "Celery", "Pydantic"},
                new String[]{"KeyError: 'user_id'", "TypeError: 'NoneType' object is not subscriptable",
                        "ModuleNotFoundError: No module named 'app.settings'", "RecursionError: maximum recursion depth exceeded",
                        "ValueError: too many values to unpack (expected 2)", "AttributeError: 'list' object has no attribute 'items'",
                        "sqlalchemy.exc.IntegrityError: UNIQUE constraint failed"},
                new String[]{"pytest -x", "python manage.py migrate", "pip install -r requirements.txt", "uvicorn main:app --reload"}),
        new Lang("JavaScript", "javascript", new String[]{"React", "Express", "Next.js", "Vue", "Node", "Jest",
                "webpack", "Svelte"},
                new String[]{"TypeError: Cannot read properties of undefined (reading 'map')", "ReferenceError: process is not defined",
                        "Uncaught (in promise) SyntaxError: Unexpected token '<'", "Error: Cannot find module './config'",
                        "Warning: Each child in a list should have a unique \"key\" prop"},
                new String[]{"npm run build", "npm test", "node server.js", "npx next dev"}),
        new Lang("TypeScript", "typescript", new String[]{"Angular", "NestJS", "React", "Prisma", "tRPC", "Deno"},
                new String[]{"TS2339: Property 'id' does not exist on type '{}'", "TS2345: Argument of type 'string | undefined' is not assignable to parameter of type 'string'",
                        "TS7006: Parameter 'e' implicitly has an 'any' type", "Type instantiation is excessively deep and possibly infinite"},
                new String[]{"tsc --noEmit", "npm run lint", "npx prisma migrate dev"}),
        new Lang("Java", "java", new String[]{"Spring Boot", "Hibernate", "JUnit", "Maven", "Gradle", "Quarkus", "Kafka"},
                new String[]{"java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"name\" is null",
                        "org.hibernate.LazyInitializationException: could not initialize proxy - no Session",
                        "java.util.ConcurrentModificationException", "BeanCreationException: Error creating bean with name 'dataSource'"},
                new String[]{"mvn clean verify", "./gradlew test", "java -jar app.jar"}),
        new Lang("Go", "go", new String[]{"gin", "gRPC", "cobra", "sqlx", "the standard library", "Kubernetes client-go"},
                new String[]{"panic: runtime error: invalid memory address or nil pointer dereference",
                        "fatal error: all goroutines are asleep - deadlock!", "cannot use x (variable of type int) as string value",
                        "context deadline exceeded"},
                new String[]{"go test ./...", "go build", "go mod tidy"}),
        new Lang("Rust", "rust", new String[]{"tokio", "serde", "actix-web", "axum", "diesel", "clap"},
                new String[]{"error[E0502]: cannot borrow `v` as mutable because it is also borrowed as immutable",
                        "error[E0382]: borrow of moved value: `config`", "error[E0277]: `Rc<RefCell<Node>>` cannot be sent between threads safely",
                        "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value'"},
                new String[]{"cargo build", "cargo test", "cargo clippy"}),
        new Lang("SQL", "sql", new String[]{"PostgreSQL", "MySQL", "SQLite", "BigQuery", "Snowflake"},
                new String[]{"ERROR: column \"total\" must appear in the GROUP BY clause", "ERROR: duplicate key value violates unique constraint",
                        "ERROR: syntax error at or near \"WHERE\"", "deadlock detected"},
                new String[]{"psql -f schema.sql", "EXPLAIN ANALYZE"}),
        new Lang("C#", "csharp", new String[]{".NET 8", "ASP.NET Core", "Entity Framework", "Unity", "xUnit"},
                new String[]{"System.NullReferenceException: Object reference not set to an instance of an object",
                        "InvalidOperationException: Sequence contains no elements", "CS0246: The type or namespace name 'DbContext' could not be found"},
                new String[]{"dotnet build", "dotnet test", "dotnet ef database update"}),
        new Lang("Bash", "bash", new String[]{"cron", "systemd", "Docker", "GitHub Actions", "awk", "sed"},
                new String[]{"permission denied", "command not found: jq", "unbound variable", "No such file or directory"},
                new String[]{"./deploy.sh", "docker compose up", "chmod +x run.sh"}),
        new Lang("Kotlin", "kotlin", new String[]{"Android", "Ktor", "coroutines", "Jetpack Compose", "Gradle"},
                new String[]{"kotlin.UninitializedPropertyAccessException: lateinit property adapter has not been initialized",
                        "IllegalStateException: Fragment not attached to a context"},
                new String[]{"./gradlew assembleDebug"}),
    };

    private static final String[] NOUNS = {"user", "order", "invoice", "item", "customer", "session", "event", "record",
            "product", "payment", "message", "account", "task", "report", "file", "node", "token", "config", "job", "cart"};
    private static final String[] VERBS = {"get", "load", "parse", "update", "validate", "fetch", "compute", "build",
            "sync", "merge", "filter", "render", "save", "process", "normalize", "retry", "schedule", "export"};
    private static final String[] SPECS = {"takes a list of {n}s and returns them grouped by {m}",
            "checks whether a string is a valid {m} identifier", "removes duplicate {n}s while keeping order",
            "reads a CSV of {n}s and sums the amount column per {m}", "paginates {n}s from an API until there are none left",
            "retries a failing HTTP call with exponential backoff", "converts a nested dict of {n}s into a flat one",
            "returns the top k {n}s by {m}", "debounces calls to {v}_{n}", "merges two sorted lists of {n}s",
            "validates an email address and a phone number", "caches the result of {v}_{n} for ten minutes",
            "parses ISO dates and converts them to the user's time zone", "streams a large file line by line and counts {n}s"};
    private static final String[] QUESTION_PATTERNS = {
        "Why does this {L} code throw `{E}`?\n```{f}\n{code}\n```",
        "I'm getting `{E}` when I run `{C}`. Any idea what's wrong?",
        "How do I {task} in {F}?",
        "Write a {L} function that {spec}.",
        "Can you review this and suggest improvements?\n```{f}\n{code}\n```",
        "What's the time complexity of this?\n```{f}\n{code}\n```",
        "How would you write tests for this {L} function?\n```{f}\n{code}\n```",
        "Is there a cleaner way to write this?\n```{f}\n{code}\n```",
        "what's the difference between {x} and {y} in {F}",
        "Convert this to {L2}:\n```{f}\n{code}\n```",
        "How do I structure a {F} project with {n2} services?",
        "Explain what this does line by line:\n```{f}\n{code}\n```",
        "My {F} app is slow when there are lots of {n}s. Where should I start looking?",
        "Help me write a regex that matches {rx}.",
        "Refactor this to use {F} properly:\n```{f}\n{code}\n```",
    };
    private static final String[] TASKS = {"handle file uploads", "add authentication", "set up logging",
            "read environment variables", "paginate results", "cancel a running request", "write a migration",
            "mock a database in tests", "stream a response", "configure CORS", "rate limit an endpoint",
            "deploy to production", "run background jobs", "handle timeouts", "validate request bodies"};
    private static final String[] PAIRS = {"a list", "a tuple", "a promise", "an observable", "a class", "an interface",
            "a mutex", "a channel", "async", "threads", "a view", "a materialized view", "map", "flatMap"};
    private static final String[] REGEX = {"US phone numbers", "dates like 2024-03-01", "hex colors",
            "semantic version strings", "email addresses from our domain only", "URLs without query strings"};

    /** A developer's question, with their own snippet where it fits. */
    static String question(Rng rng) {
        Lang lang = LANGS[rng.nextInt(LANGS.length)];
        String pattern = rng.pick(QUESTION_PATTERNS);
        String text = Slots.fill(pattern, slot -> switch (slot) {
            case "L" -> lang.name();
            case "L2" -> LANGS[rng.nextInt(LANGS.length)].name();
            case "f" -> lang.fence();
            case "E" -> rng.pick(lang.errors());
            case "C" -> rng.pick(lang.commands());
            case "F" -> rng.pick(lang.frameworks());
            case "task" -> rng.pick(TASKS);
            case "spec" -> spec(rng);
            case "code" -> snippet(rng, lang);
            case "x", "y" -> rng.pick(PAIRS);
            case "n" -> rng.pick(NOUNS);
            case "n2" -> Integer.toString(rng.between(2, 9));
            case "rx" -> rng.pick(REGEX);
            default -> slot;
        });
        return OrganicText.typos(rng, text);
    }

    static String spec(Rng rng) {
        return rng.pick(SPECS).replace("{n}", rng.pick(NOUNS)).replace("{m}", rng.pick(NOUNS))
                .replace("{v}", rng.pick(VERBS));
    }

    static Lang lang(Rng rng) {
        return LANGS[rng.nextInt(LANGS.length)];
    }

    private static final String[] QUALIFIERS = {"pending", "active", "cached", "raw", "next", "last", "total", "max",
            "min", "retry", "batch", "current", "new", "old", "parsed", "unique", "filtered", "remote", "local", "temp"};
    private static final String[] COMMENTS = {"TODO: handle the empty case", "keep the original order",
            "this is slow for large inputs", "see ticket 4821", "retry once before giving up", "legacy format, remove later",
            "don't mutate the input", "timestamps are in UTC", "the API returns at most 100 per page",
            "fallback when the cache is cold", "FIXME: race condition?", "normalise before comparing"};
    private static final String[] STRINGS = {"not found", "invalid input", "done", "retrying", "skipping", "processing",
            "timeout", "unauthorized", "ok", "duplicate"};

    /** Statement shapes per language family: {v} {w} variables, {f} a function, {n} a number, {s} a string, {c} a comment. */
    private static final String[] PY = {"{v} = {f}({w})", "if {v} is None:\n        return {n}", "for item in {w}:\n        {v}.append(item.{x})",
            "{v} = [x for x in {w} if x.{x} > {n}]", "logger.info(\"{s}: %s\", {v})", "# {c}", "{v} += {n}",
            "try:\n        {v} = {f}({w})\n    except KeyError:\n        {v} = None", "{v} = {w}.get(\"{x}\", {n})",
            "with open({w}) as fh:\n        {v} = fh.read()", "assert {v} is not None, \"{s}\"", "{v} = sorted({w}, key=lambda x: x.{x})"};
    private static final String[] CURLY = {"{v} = {f}({w});", "if ({v} == null) {\n        return {n};\n    }",
            "for (var item : {w}) {\n        {v}.add(item.{x});\n    }", "// {c}", "{v} += {n};", "log.info(\"{s}: {}\", {v});",
            "{v} = {w}.stream().filter(x -> x.{x} > {n}).toList();", "try {\n        {v} = {f}({w});\n    } catch (Exception e) {\n        {v} = null;\n    }",
            "if ({v}.size() > {n}) {\n        {v} = {v}.subList(0, {n});\n    }", "var {v} = new HashMap<String, Integer>();",
            "Objects.requireNonNull({w}, \"{s}\");"};
    private static final String[] JS = {"const {v} = await {f}({w});", "if (!{v}) return {n};", "for (const item of {w}) {\n    {v}.push(item.{x});\n  }",
            "// {c}", "{v} += {n};", "console.log('{s}', {v});", "const {v} = {w}.filter((x) => x.{x} > {n});",
            "try {\n    {v} = await {f}({w});\n  } catch (err) {\n    console.error(err);\n  }", "const {v} = new Map();",
            "if ({v}.length > {n}) {v}.length = {n};", "const { {x} } = {w};"};
    private static final String[] GO = {"{v}, err := {f}(ctx, {w})\n\tif err != nil {\n\t\treturn nil, err\n\t}",
            "// {c}", "for _, item := range {w} {\n\t\t{v} = append({v}, item.{X})\n\t}", "{v} += {n}",
            "log.Printf(\"{s}: %v\", {v})", "if len({v}) > {n} {\n\t\t{v} = {v}[:{n}]\n\t}", "{v} := make(map[string]int)"};
    private static final String[] SQL = {"SELECT {x}, COUNT(*) FROM {w} GROUP BY {x}", "WHERE {x} > {n}", "-- {c}",
            "JOIN {v} ON {v}.id = {w}.{x}_id", "ORDER BY {x} DESC", "LIMIT {n}", "HAVING COUNT(*) > {n}",
            "AND {x} IS NOT NULL"};

    /** A short snippet with its own identifiers, in the language's syntax. */
    static String snippet(Rng rng, Lang lang) {
        String[] pool = switch (lang.fence()) {
            case "python" -> PY;
            case "javascript", "typescript" -> JS;
            case "go" -> GO;
            case "sql" -> SQL;
            default -> CURLY;
        };
        String fn = rng.pick(VERBS) + cap(rng.pick(QUALIFIERS)) + cap(rng.pick(NOUNS)) + (rng.chance(0.5) ? "s" : "");
        String a = rng.pick(QUALIFIERS) + cap(rng.pick(NOUNS));
        String b = rng.pick(NOUNS) + "s";
        StringBuilder body = new StringBuilder();
        int lines = rng.between(3, 9);
        String indent = lang.fence().equals("go") ? "\t" : lang.fence().equals("javascript") || lang.fence().equals("typescript") ? "  " : "    ";
        for (int i = 0; i < lines; i++) {
            String v = rng.chance(0.5) ? a : rng.pick(QUALIFIERS) + cap(rng.pick(NOUNS));
            String stmt = rng.pick(pool).replace("{v}", v).replace("{w}", rng.chance(0.5) ? b : rng.pick(NOUNS) + cap(rng.pick(QUALIFIERS)))
                    .replace("{f}", rng.pick(VERBS) + cap(rng.pick(NOUNS))).replace("{n}", Integer.toString(rng.between(0, 500)))
                    .replace("{s}", rng.pick(STRINGS)).replace("{c}", rng.pick(COMMENTS))
                    .replace("{x}", rng.pick(NOUNS) + "_" + rng.pick(new String[]{"id", "at", "count", "name", "type"}))
                    .replace("{X}", cap(rng.pick(NOUNS)) + "ID");
            body.append(indent).append(stmt).append('\n');
        }
        String ret = rng.pick(new String[]{a, b, "None", "result", "out"});
        return switch (lang.fence()) {
            case "python" -> "def " + snake(fn) + "(" + b + ", " + a + "=None):\n" + body + "    return " + ret;
            case "javascript", "typescript" -> "async function " + fn + "(" + b + ") {\n" + body + "  return " + ret + ";\n}";
            case "go" -> "func " + cap(fn) + "(ctx context.Context, " + b + " []" + cap(rng.pick(NOUNS)) + ") (any, error) {\n" + body
                    + "\treturn " + ret + ", nil\n}";
            case "sql" -> body.toString().trim() + ";";
            case "bash" -> "#!/bin/bash\nset -euo pipefail\nfor f in ./" + b + "/*.json; do\n  " + snake(fn) + " \"$f\" || echo \""
                    + rng.pick(STRINGS) + "\"\ndone";
            default -> "public Object " + fn + "(List<Object> " + b + ") {\n" + body + "    return " + ret + ";\n}";
        };
    }

    private static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** A source file as a tool would return it: a few related functions. */
    static String file(Rng rng, Lang lang, int functions) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < functions; i++) {
            b.append(snippet(rng, lang)).append("\n\n");
        }
        return b.toString();
    }

    static String cap(String s) {
        return Slots.capitalize(s);
    }
}
