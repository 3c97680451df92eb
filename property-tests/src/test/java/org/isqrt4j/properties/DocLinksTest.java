package org.isqrt4j.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README and docs/ hold together: every relative link in README.md and docs/*.md (inline {@code [text](target)},
 * images, reference definitions) names a file or folder that exists, and every {@code #anchor} names a heading of
 * the target file, with GitHub's anchor rules (lower case, punctuation dropped, spaces to hyphens, -1, -2 for
 * repeated headings). Links with a scheme (https:, mailto:) are not followed. Text inside code fences and code
 * spans is not read as links or headings, as GitHub renders it literally.
 */
class DocLinksTest {
    /** Inline links and images: [text](target) or [text](target "title"). */
    private static final Pattern INLINE = Pattern.compile("!?\\[[^\\]]*]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** Reference definitions: [label]: target. */
    private static final Pattern REFERENCE = Pattern.compile("^\\s{0,3}\\[[^\\]]+]:\\s*<?(\\S+?)>?(?:\\s+.*)?$");
    private static final Pattern HEADING = Pattern.compile("^\\s{0,3}(#{1,6})\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:|^//");
    /** Characters GitHub drops from heading text when it makes an anchor (ASCII punctuation but - and _). */
    private static final Pattern DROPPED = Pattern.compile("[\\u2000-\\u206F\\u2E00-\\u2E7F\\\\'!\"#$%&()*+,./:;<=>?@\\[\\]^`{|}~]");

    @Test
    void readmeAndDocsLinkOnlyToExistingFilesAndHeadings() {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> files = documents(root);
        assertTrue(files.contains(root.resolve("README.md")), "no README.md at " + root);
        assertTrue(files.size() > 1, "no docs/*.md under " + root + ": the README's documentation links need them");
        List<String> broken = brokenLinks(root, files);
        assertTrue(broken.isEmpty(), broken.size() + " broken documentation link(s):\n" + String.join("\n", broken));
    }

    /** The checker itself finds a missing file, a missing anchor and a link in code that must be ignored. */
    @Test
    void brokenLinksAreReported(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("docs"));
        Files.writeString(dir.resolve("docs/a.md"), "# Title\n\n## Error contract\n\n## Error contract\n\n```\n# not a heading\n```\n");
        Files.writeString(dir.resolve("README.md"), String.join("\n",
                "# Top",
                "[ok](docs/a.md#error-contract) [ok too](docs/a.md#error-contract-1) [self](#top)",
                "[gone](docs/missing.md) [bad anchor](docs/a.md#no-such-heading) [fenced](docs/a.md#not-a-heading)",
                "![img](docs/nope.png) [web](https://example.org/x.md#y) `[in code](docs/none.md)`",
                "```",
                "[in a fence](docs/none.md)",
                "```",
                "[ref]: docs/absent.md"));
        List<String> broken = brokenLinks(dir, documents(dir));
        String all = String.join("\n", broken);
        assertEquals(5, broken.size(), all);
        assertTrue(all.contains("docs/missing.md") && all.contains("#no-such-heading") && all.contains("#not-a-heading")
                && all.contains("docs/nope.png") && all.contains("docs/absent.md"), all);
    }

    /** GitHub's anchors for headings of the kind the docs use. */
    @Test
    void anchorsFollowGitHub() {
        Set<String> a = anchors(String.join("\n",
                "## Threads, determinism, resources",
                "### The convergence bound used by Validation.requireConverged",
                "### normalise (trace pre-normalisation)",
                "## The `maths` in brief",
                "## Memory",
                "## Memory",
                "# The float64 reference: spectral Newton-Schulz and Daleckii-Krein"));
        assertEquals(Set.of("threads-determinism-resources", "the-convergence-bound-used-by-validationrequireconverged",
                "normalise-trace-pre-normalisation", "the-maths-in-brief", "memory", "memory-1",
                "the-float64-reference-spectral-newton-schulz-and-daleckii-krein"), a);
    }

    // ------------------------------------------------------------------ the checker

    /** README.md and every docs/*.md under root, sorted. */
    private static List<Path> documents(Path root) {
        List<Path> files = new ArrayList<>();
        Path readme = root.resolve("README.md");
        if (Files.isRegularFile(readme)) {
            files.add(readme);
        }
        Path docs = root.resolve("docs");
        if (Files.isDirectory(docs)) {
            try (Stream<Path> s = Files.list(docs)) {
                files.addAll(s.filter(p -> p.toString().endsWith(".md")).sorted().collect(Collectors.toList()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    private static List<String> brokenLinks(Path root, List<Path> files) {
        Map<Path, Set<String>> anchorCache = new HashMap<>();
        List<String> broken = new ArrayList<>();
        for (Path file : files) {
            for (String target : links(read(file))) {
                if (SCHEME.matcher(target).find()) {
                    continue;
                }
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? "" : target.substring(hash + 1);
                Path resolved = path.isEmpty() ? file : file.getParent().resolve(decode(path)).normalize();
                String where = root.relativize(file) + ": (" + target + ")";
                if (!Files.exists(resolved)) {
                    broken.add(where + " -> no file " + resolved);
                } else if (!anchor.isEmpty()) {
                    if (!resolved.toString().endsWith(".md") || !Files.isRegularFile(resolved)) {
                        broken.add(where + " -> #" + anchor + " into a file that is not markdown");
                    } else if (!anchorCache.computeIfAbsent(resolved, p -> anchors(read(p))).contains(decode(anchor))) {
                        broken.add(where + " -> no heading with anchor #" + anchor + " in " + resolved.getFileName());
                    }
                }
            }
        }
        return broken;
    }

    /** Link targets of a markdown text, outside code fences and code spans. */
    private static List<String> links(String text) {
        List<String> out = new ArrayList<>();
        for (String line : prose(text)) {
            String l = stripCodeSpans(line);
            Matcher m = INLINE.matcher(l);
            while (m.find()) {
                out.add(m.group(1));
            }
            Matcher r = REFERENCE.matcher(l);
            if (r.matches()) {
                out.add(r.group(1));
            }
        }
        return out;
    }

    /** GitHub's heading anchors of a markdown text, plus explicit HTML anchors. */
    static Set<String> anchors(String text) {
        Set<String> out = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(text)) {
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                String slug = slug(h.group(2));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                out.add(n == 0 ? slug : slug + "-" + n);
            }
            Matcher a = HTML_ANCHOR.matcher(line);
            while (a.find()) {
                out.add(a.group(1));
            }
        }
        return out;
    }

    /** Heading text to anchor: rendered text (links to their text, code to its content), lower case, punctuation dropped, spaces to hyphens. */
    static String slug(String heading) {
        String t = heading.replaceAll("!?\\[([^\\]]*)]\\([^)]*\\)", "$1").replace("`", "");
        t = t.toLowerCase(Locale.ROOT);
        t = DROPPED.matcher(t).replaceAll("");
        return t.replace(' ', '-');
    }

    /** The lines of a markdown text that are not inside a fenced code block. */
    private static List<String> prose(String text) {
        List<String> out = new ArrayList<>();
        String fence = null;
        for (String line : text.split("\n", -1)) {
            String s = line.strip();
            if (fence == null && (s.startsWith("```") || s.startsWith("~~~"))) {
                fence = s.substring(0, 3);
            } else if (fence != null && s.startsWith(fence)) {
                fence = null;
            } else if (fence == null) {
                out.add(line);
            }
        }
        return out;
    }

    /** Replaces each code span's content by a neutral word, so that links written in code are not followed. */
    private static String stripCodeSpans(String line) {
        return line.replaceAll("(`+)(?:(?!\\1).)+?\\1", "code");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8).replace("\r\n", "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
