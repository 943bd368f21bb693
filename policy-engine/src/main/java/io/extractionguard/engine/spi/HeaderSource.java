package io.extractionguard.engine.spi;

/** Read access to request headers by lower-case name; adapts servlet, reactive and trace headers. */
@FunctionalInterface
public interface HeaderSource {

    /** The first value of the header, or null. */
    String get(String lowerCaseName);
}
