package org.finetune4j;

/**
 * An error the user can act on: bad input, a broken file, a wrong setting. The CLI prints its
 * message as one line and exits with 1; the message names the file and the place.
 */
public class Finetune4jException extends RuntimeException {

    public Finetune4jException(String message) {
        super(message);
    }

    public Finetune4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
